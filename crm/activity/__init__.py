"""The campaign's week: the activity feed and the overdue follow-ups of every state."""
