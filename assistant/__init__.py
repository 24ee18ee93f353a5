"""Kindly Bank assistant: banking services, identity, gateway and CLI."""
