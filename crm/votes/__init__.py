"""Vote events, counts and individual votes."""
