"""Ratification risk: the exact forecast of SPEC §3 and "who to meet next"."""
