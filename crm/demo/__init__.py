"""The demonstration data set (fictitious people, approximate facts)."""
