"""Account area: users and sessions, settings of stages, lists and reference data, the audit log."""
