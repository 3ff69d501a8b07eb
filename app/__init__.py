"""Voronka: a live client-kanban CRM for small sales teams."""
