"""Streamlit screens, one per file: read widgets, call the library, render. No domain logic here."""
