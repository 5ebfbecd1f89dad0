"""Interactions with representatives and follow-ups."""
