"""Public events and invitations."""
