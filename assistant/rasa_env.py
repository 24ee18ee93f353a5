"""How the Rasa processes are launched: environment and runtime endpoint configuration."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict
from urllib.parse import unquote, urlparse

import yaml

from assistant.settings import PROJECT_ROOT, Settings

# Rasa's response generator (endpoints ``nlg``); named, not imported: it imports Rasa.
NLG_TYPE = "assistant.rasa_nlg.CatalogueNaturalLanguageGenerator"

# The gateway sends this header on every request to Rasa's channels (``assistant.rasa_channels``).
CHANNEL_TOKEN_HEADER = "X-Assistant-Token"  # noqa: S105 - a header name, not a secret

# Rasa sends this header on every call to the action server (``action_endpoint.headers``); the
# endpoints file names the environment variable, which Rasa's YAML reader substitutes, so the
# secret is in neither a command line nor a file.
ACTION_TOKEN_HEADER = "X-Action-Token"  # noqa: S105 - a header name, not a secret
ACTION_TOKEN_ENV = "ASSISTANT_ACTION_TOKEN"  # noqa: S105 - a variable name, not a secret


def rasa_environment(settings: Settings) -> Dict[str, str]:
    """Environment for every Rasa process: nothing phones home, logs stay quiet."""
    env = dict(os.environ)
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONWARNINGS": "ignore",
            "SANIC_HOST": settings.action_host,
            "ASSISTANT_RASA_TOKEN": settings.channel_token(),
            # Dates the NLU reads ("yesterday") and the actions say are in the bank's zone.
            "ASSISTANT_TIMEZONE": settings.timezone,
            "ASSISTANT_LOCALE": settings.locale,
            ACTION_TOKEN_ENV: settings.action_token(),
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p
            ),
        }
    )
    if settings.shared_loopback_twilio:
        # Every process sends through the one loopback Twilio `assistant up` runs.
        env["ASSISTANT_TWILIO_API_BASE"] = settings.shared_loopback_twilio
    return env


def tracker_store_config(url: str, settings: Settings) -> Dict[str, Any]:
    if not url:
        settings.home.mkdir(parents=True, exist_ok=True)
        return {"type": "SQL", "dialect": "sqlite", "db": str(settings.home / "tracker.db")}
    parsed = urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        return {"type": "SQL", "dialect": "sqlite", "db": parsed.path.lstrip("/") or "tracker.db"}
    config: Dict[str, Any] = {
        "type": "SQL",
        "dialect": parsed.scheme.split("+")[0],
        "url": parsed.hostname or "localhost",
        "db": parsed.path.lstrip("/"),
    }
    if parsed.port:
        config["port"] = parsed.port
    if parsed.username:
        config["username"] = unquote(parsed.username)
    if parsed.password:
        config["password"] = unquote(parsed.password)
    if parsed.query:
        config["query"] = dict(p.split("=", 1) for p in parsed.query.split("&") if "=" in p)
    return config


def lock_store_config(url: str) -> Dict[str, Any]:
    parsed = urlparse(url)
    config: Dict[str, Any] = {"type": "redis", "url": parsed.hostname or "localhost"}
    if parsed.port:
        config["port"] = parsed.port
    if parsed.password:
        config["password"] = unquote(parsed.password)
    database = parsed.path.lstrip("/")
    if database:
        config["db"] = int(database)
    return config


def write_endpoints(settings: Settings) -> Path:
    """``var/endpoints.yml`` for this run: action server, tracker store, lock store, NLG."""
    endpoints: Dict[str, Any] = {
        "action_endpoint": {
            "url": f"http://{settings.action_host}:{settings.action_port}/webhook",
            "headers": {ACTION_TOKEN_HEADER: "${" + ACTION_TOKEN_ENV + "}"},
        },
        "tracker_store": tracker_store_config(settings.tracker_store_url, settings),
        # Responses in the customer's language, per medium (assistant.rasa_nlg).
        "nlg": {"type": NLG_TYPE},
    }
    if settings.lock_store_url:
        endpoints["lock_store"] = lock_store_config(settings.lock_store_url)
    settings.home.mkdir(parents=True, exist_ok=True)
    path = settings.home / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False))
    path.chmod(0o600)
    return path
