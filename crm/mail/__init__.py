"""E-mail: the outbox, its delivery, and the reminders and digests people choose."""
