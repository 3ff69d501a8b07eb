"""The JSON API: FastAPI routes mounted on NiceGUI's app."""
