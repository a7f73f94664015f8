"""REST API of the responsibility app, one module per subject (see urls.py)."""
