"""The CRM itself: models, rules and services. Never imports NiceGUI."""
