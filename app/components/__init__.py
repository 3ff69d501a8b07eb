"""Reusable UI pieces: they take read models and callbacks, never a database session."""
