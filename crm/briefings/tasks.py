"""The briefing packs background work."""
