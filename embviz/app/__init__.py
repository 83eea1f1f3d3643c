"""The Streamlit layer: the only part of embviz that imports streamlit."""
