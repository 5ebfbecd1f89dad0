"""The JSON API under /api/v1: bearer tokens, the same permissions as the pages."""
