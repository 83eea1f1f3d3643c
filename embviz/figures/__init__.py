"""Pure Plotly figure builders: they take arrays and return ``go.Figure``; no streamlit here."""
