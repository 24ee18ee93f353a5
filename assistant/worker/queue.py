"""The task queue: huey on SQLite in the home folder (one machine), or on Redis (many).

huey is a small, well-kept task queue with both storages behind one API: the same tasks run on
the embedded default and at scale, where several consumers on several machines share one Redis.
"""

from __future__ import annotations

from huey import Huey, RedisHuey, SqliteHuey

from assistant.settings import Settings

QUEUE_NAME = "assistant"
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def make_huey(settings: Settings, name: str = QUEUE_NAME) -> Huey:
    """The queue ``settings.queue_url`` names: "" is SQLite at ``home/queue.db``, redis://... is
    Redis. Task results are not stored: every job records its outcome in the bank database."""
    url = settings.queue_url.strip()
    if not url:
        settings.home.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, filename=str(settings.home / "queue.db"), results=False)
    if url.startswith(REDIS_SCHEMES):
        return RedisHuey(name, url=url, results=False)
    raise ValueError(
        "ASSISTANT_QUEUE_URL must be empty (a SQLite queue in the home folder) or a Redis URL "
        "(redis://host:port/db)"
    )
