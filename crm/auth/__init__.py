"""Users, sections, sign-in, sessions, tokens and the permission rules."""
