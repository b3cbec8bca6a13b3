"""erreview: find and stop racial bias in employee-relations (ER) cases.

The library knows the domain (ethnicity mapping, periods, import, WRES indicator 3, decision points,
panel reviews, exports) and nothing of Streamlit; the app in ``streamlit_app.py`` and the ``erreview``
command line are thin layers over it.
"""

__version__ = "0.1.0"
