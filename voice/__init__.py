"""Twilio voice and SMS front end: webhooks, TwiML rendering, SMS shaping (see DESIGN.md 3, 7)."""
