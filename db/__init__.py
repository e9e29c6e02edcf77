"""Data layer: models, engine, queries and writes. Never imports streamlit."""
