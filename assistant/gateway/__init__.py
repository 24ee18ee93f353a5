"""The public HTTP gateway (FastAPI): channels come in here and reach Rasa only through it."""
