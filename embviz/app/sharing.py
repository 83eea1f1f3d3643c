"""Export and share a map: coordinates (CSV, Parquet, TF projector), the figure (HTML, PNG, SVG),
and how the current view is shared (its link) and kept (a slide of the deck)."""
from __future__ import annotations

import streamlit as st

from embviz.app import export


def export_panel(fig, emb, proj, prefix: str) -> None:
    """Downloads of the map and its coordinates; how to share and keep the view."""
    with st.expander("Export and share", icon=":material/ios_share:"):
        df_fn = lambda: export.coordinates_frame(proj.coords, emb.keys, emb.metadata)
        base = f"{(emb.name or 'embeddings').replace(' ', '_')}_{proj.method}_{proj.dims}d"
        cols = st.columns(3)
        cols[0].markdown("**Coordinates**")
        cols[0].download_button("CSV", lambda: export.to_csv(df_fn()), f"{base}.csv", "text/csv",
                                key=f"{prefix}_dl_csv", on_click="ignore", width="stretch")
        cols[0].download_button("Parquet", lambda: export.to_parquet(df_fn()), f"{base}.parquet",
                                "application/octet-stream", key=f"{prefix}_dl_parquet", on_click="ignore",
                                width="stretch")
        cols[0].download_button("TF projector (TSV pair, zipped)", lambda: export.to_projector_zip(df_fn()),
                                f"{base}_projector.zip", "application/zip", key=f"{prefix}_dl_tsv",
                                on_click="ignore", width="stretch")
        cols[1].markdown("**Figure**")
        cols[1].download_button("Interactive HTML (works offline)", lambda: export.figure_html(fig),
                                f"{base}.html", "text/html", key=f"{prefix}_dl_html", on_click="ignore",
                                width="stretch")
        if export.image_available():
            cols[1].download_button("PNG (1920×1080)", lambda: export.figure_image(fig, "png", 1920, 1080),
                                    f"{base}.png", "image/png", key=f"{prefix}_dl_png", on_click="ignore",
                                    width="stretch")
            cols[1].download_button("SVG", lambda: export.figure_image(fig, "svg", 1600, 1000), f"{base}.svg",
                                    "image/svg+xml", key=f"{prefix}_dl_svg", on_click="ignore", width="stretch")
        else:
            cols[1].caption("PNG/SVG need kaleido and Chromium; the camera button on the chart saves a PNG.")
        cols[2].markdown("**Share and keep**")
        cols[2].caption("The address bar holds this view (data, method, parameters, search, colour): "
                        "copy the link to share it, or keep it as a slide with **Save this view** above.")
        saved_views(cols[2])


def saved_views(box) -> None:
    """Saved views are slides of the session's deck (the Deck page reorders, presents, downloads)."""
    from embviz.app import slideshow

    n = len(slideshow.deck())
    box.caption(f"{n} slide{'s' * (n != 1)} in the deck. Reorder, present, download or open a deck file "
                "on the Deck page.")
