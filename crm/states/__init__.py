"""Campaigns, states, agreements and ratification stages."""
