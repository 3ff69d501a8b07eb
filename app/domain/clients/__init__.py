"""Clients area: the client card and its rules, leads, the feed, tasks, filters, bulk actions, stage history."""
