"""Chambers, parties, committees, representatives and stances."""
