"""The provider's rate limits per medium: at most so many texts (or calls) a second.

Every send first takes a slot (:meth:`RateLimiter.wait`): slots are spaced ``1 / rate``
seconds apart, and a thread whose slot lies ahead sleeps until it comes ("virtual
scheduling", GCRA without a burst). So a fan-out never goes faster than Twilio lets the account
send (``ASSISTANT_SMS_PER_SECOND``, ``ASSISTANT_CALLS_PER_SECOND``; 0: no limit).

How workers share a limit:

- With the queue on Redis (``ASSISTANT_QUEUE_URL=redis://...``, several workers, maybe on
  several machines) the schedule lives in Redis (:class:`RedisRateLimiter`): one key per
  account and medium, moved on by a Lua script on Redis's own clock, so all workers together
  keep to the rate. If Redis cannot be reached a worker falls back to its own schedule.
- With the embedded SQLite queue (one machine) each worker process keeps its own schedule
  (:class:`LocalRateLimiter`), shared by its sending threads: run one worker, or divide the
  rate by the number of workers.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Dict, Mapping, Optional, Protocol

from assistant.settings import Settings

logger = logging.getLogger(__name__)

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")

# KEYS[1]: the schedule's key; ARGV[1]: microseconds between slots. Returns how many
# microseconds the caller waits for its slot (0: now).
_TAKE_SLOT = """
local now = redis.call('TIME')
local now_us = tonumber(now[1]) * 1000000 + tonumber(now[2])
local interval = tonumber(ARGV[1])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now_us then slot = now_us end
local ttl_ms = math.floor((slot + interval - now_us) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.0f', slot + interval), 'PX', ttl_ms)
return slot - now_us
"""


class RateLimiter(Protocol):
    def wait(self, medium: str) -> float:
        """Block until this send of ``medium`` may go; the seconds waited."""

    def per_second(self, medium: str) -> float:
        """The limit for ``medium`` (0: none)."""


def rates_from(settings: Settings) -> Dict[str, float]:
    return {"sms": max(0.0, settings.sms_per_second), "call": max(0.0, settings.calls_per_second)}


class LocalRateLimiter:
    """Limits shared by the threads of this process."""

    def __init__(
        self,
        rates: Mapping[str, float],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rates = dict(rates)
        self._clock = clock
        self._sleep = sleep
        self._next: Dict[str, float] = {}
        self._lock = threading.Lock()

    def per_second(self, medium: str) -> float:
        return self.rates.get(medium, 0.0)

    def wait(self, medium: str) -> float:
        rate = self.per_second(medium)
        if rate <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(medium, now))
            self._next[medium] = slot + 1.0 / rate
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return max(delay, 0.0)


class RedisRateLimiter:
    """Limits shared by every worker on one Redis (see the module)."""

    def __init__(self, url: str, rates: Mapping[str, float], scope: str) -> None:
        import redis

        self.rates = dict(rates)
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._take = self._client.register_script(_TAKE_SLOT)
        self._scope = scope
        self._fallback = LocalRateLimiter(rates)
        self._warned = False

    def per_second(self, medium: str) -> float:
        return self.rates.get(medium, 0.0)

    def wait(self, medium: str) -> float:
        rate = self.per_second(medium)
        if rate <= 0:
            return 0.0
        key = f"assistant:rate:{self._scope}:{medium}"
        try:
            delay = int(self._take(keys=[key], args=[int(1_000_000 / rate)])) / 1_000_000
        except Exception as error:  # noqa: BLE001 - Redis down: keep to the rate locally
            if not self._warned:
                logger.warning("rate limit on Redis unavailable (%s): per worker", error)
                self._warned = True
            return self._fallback.wait(medium)
        if delay > 0:
            time.sleep(delay)
        return delay

    def close(self) -> None:
        self._client.close()


def build_rate_limiter(settings: Settings, scope: Optional[str] = None) -> RateLimiter:
    """Shared through Redis when the queue is on Redis, else this process's own."""
    rates = rates_from(settings)
    url = settings.queue_url.strip()
    if url.startswith(REDIS_SCHEMES) and any(rates.values()):
        return RedisRateLimiter(url, rates, scope or settings.twilio_account_sid or "loopback")
    return LocalRateLimiter(rates)
