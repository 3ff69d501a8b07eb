"""The borders with other systems: telephony, leads with their attribution (channel rules, safe retries, site
forms), outbound events."""
