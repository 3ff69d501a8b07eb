"""The borders with other systems: leads with their attribution in (channel rules, safe retries, site forms)."""
