"""The staff admin console (/admin): scam warnings, interventions and held payments."""
