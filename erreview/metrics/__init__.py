"""Measures: pure functions of DataFrames and explicit configuration (no database, no UI)."""
