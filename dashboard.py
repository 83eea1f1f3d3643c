"""embviz dashboard: `streamlit run dashboard.py`.

Navigation and the shared sidebar live here; every page is a module in ``embviz/app/pages`` with a
``render()``. Serves on 127.0.0.1 by default (.streamlit/config.toml); a presenter opts in to the
network with ``--server.address 0.0.0.0``.
"""
from __future__ import annotations

import importlib
import importlib.util

import streamlit as st



def _icon():
    """A small favicon drawn here (a material icon would be fetched from Google's CDN)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    for (x, y, r, c) in [(18, 42, 9, "#4C78A8"), (40, 22, 11, "#E4572E"), (46, 46, 7, "#54A24B")]:
        draw.ellipse((x - r, y - r, x + r, y + r), fill=c)
    return img


st.set_page_config(page_title="embviz", page_icon=_icon(), layout="wide")

# (module, title, icon) in menu order; the first is the default page.
PAGES = [
    ("explore", "Explore", ":material/scatter_plot:"),
    ("analogies", "Analogies", ":material/calculate:"),
    ("compare", "Compare", ":material/compare:"),
    ("models", "Models", ":material/difference:"),
    ("clusters", "Clusters", ":material/bubble_chart:"),
    ("train", "Train", ":material/model_training:"),
    ("maps", "Large maps", ":material/grain:"),
    ("learn", "Learn", ":material/school:"),
    ("deck", "Deck", ":material/slideshow:"),
    ("data", "Data", ":material/database:"),
]


def _page(module: str, title: str, icon: str, default: bool) -> st.Page | None:
    name = f"embviz.app.pages.{module}"
    if importlib.util.find_spec(name) is None:
        return None
    try:
        render = importlib.import_module(name).render
    except Exception as exc:  # noqa: BLE001 — one broken page must not take the others down
        def render(exc=exc, title=title):
            st.title(title)
            st.error(f"This page could not be loaded: {type(exc).__name__}: {exc}")
    # the default page is served at "/" but still reserves its url_path: give it its own, so that
    # the alias below can answer "/explore"
    return st.Page(render, title=title, icon=icon, url_path=f"{module}-home" if default else module,
                   default=default)


def main() -> None:
    from embviz.app import jobs, present, sidebar

    pages = [p for i, spec in enumerate(PAGES) if (p := _page(*spec, default=i == 0))]
    # The default page lives at "/"; an alias keeps "/explore" (a link someone typed or shared) working.
    # The menu is drawn by the sidebar from `pages`, so the alias is never listed twice.
    alias = _page(*PAGES[0], default=False)
    nav = st.navigation(pages + ([alias] if alias else []), position="hidden")
    present.init_from_url()
    jobs.warm_up_in_background()  # once per server, in a pool worker
    sidebar.menu(pages)
    sidebar.render()
    present.apply()
    nav.run()


main()
