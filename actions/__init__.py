"""Rasa custom actions: thin, they call the banking services in ``assistant``."""
