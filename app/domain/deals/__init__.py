"""Deals area: the deals kanban, booking, property objects."""
