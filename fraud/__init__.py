"""Fraud protection (DESIGN 8): warning broadcasts, scam interventions, unusual-activity alerts."""
