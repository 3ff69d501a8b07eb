"""The borders with other systems: telephony, marketing attribution, outbound events."""
