"""Integrations: attribution of incoming requests, and outbound webhooks fed by an outbox written with each change."""
