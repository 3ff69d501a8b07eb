"""Automation: stage rules as data ("when … then …"), answered inside the committing transaction or, for the
timed ones, from a durable table of due actions; the account's working hours; in-app notifications."""
