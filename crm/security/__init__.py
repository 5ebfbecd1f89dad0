"""The security log: every refused request (401 and 403), for admins."""
