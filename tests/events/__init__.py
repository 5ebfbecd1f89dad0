"""Tests of public events and invitations."""
