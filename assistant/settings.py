"""Settings from environment variables, each with the embedded default when unset."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import List, Optional

from pydantic import BaseSettings, Field

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """All configuration. Environment variables are prefixed ``ASSISTANT_`` unless named."""

    home: Path = Field(PROJECT_ROOT / "var", description="Where the embedded databases live.")
    database_url: str = Field("", env="DATABASE_URL")
    tracker_store_url: str = Field("", env="TRACKER_STORE_URL")
    lock_store_url: str = Field("", env="LOCK_STORE_URL")

    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    rasa_host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_host: str = "127.0.0.1"
    action_port: int = 5055
    rasa_token: str = Field("", description="Shared secret between gateway and Rasa channels.")
    action_secret: str = Field(
        "", env="ASSISTANT_ACTION_TOKEN", description="Shared secret between Rasa and actions."
    )
    nlu_eval_token: str = Field(
        "", description="If set, POST /webhooks/nlu/parse scores the NLU with this bearer token."
    )
    pin_mask_secret: str = Field(
        "", env="ASSISTANT_PIN_MASK_KEY", description="Key of the PIN hash kept while verified."
    )

    models_dir: Path = PROJECT_ROOT / "models"
    currency: str = "USD"
    locale: str = Field("en_US", description="The bank's locale, for customers without one.")
    texts_dirs: str = Field(
        "",
        description="More catalogue folders (os.pathsep-separated), each with one folder per "
        "language like assistant/texts, looked in before the built-in one.",
    )
    # The bank's phone number, written once: every text and response says it through the
    # {bank_phone} placeholder ({bank_phone_spoken} in words for the ear, {bank_phone_dial}
    # for a tel: link).
    bank_phone: str = Field("1-800-555-0199", description="The bank's number as people read it.")
    bank_phone_spoken: str = Field(
        "one eight hundred, five five five, zero one nine nine",
        description="The bank's number as the voice says it.",
    )

    # Twilio (voice and SMS). The auth token checks every webhook's signature; without one, a
    # random token kept in ``home`` is used (the terminal phone signs with it).
    public_base_url: str = Field("", description="The gateway's URL as Twilio calls it.")
    twilio_account_sid: str = Field("", env="TWILIO_ACCOUNT_SID")
    twilio_auth_token: str = Field("", env="TWILIO_AUTH_TOKEN")
    twilio_number: str = Field("+15550100000", env="TWILIO_PHONE_NUMBER")
    twilio_transport: str = Field("loopback", description="'twilio' (REST API) or 'loopback'.")
    twilio_api_base: str = Field("", description="Where the loopback transport sends.")
    # With the loopback transport and no ``twilio_api_base``, `assistant up` runs one shared
    # loopback Twilio on this port for every process (the terminal phones show what it got).
    loopback_twilio_port: int = 8010
    call_centre_number: str = "+15550100999"
    opening_hours: str = Field("00:00-24:00", description="When a person can take a call.")
    timezone: str = "America/New_York"
    voice_name: str = "Polly.Joanna"
    voice_language: str = "en-US"
    # A call's pace (SSML prosody rates), fastest first: a call starts at the first, or one
    # step down for a customer whose profile says slow; "slower" (key 8) goes one step down,
    # to the last at most, and "faster" (key 7) one step back up (voice/pace.py).
    voice_rates: str = Field("90%,80%,70%,60%", description="A call's speech rates, fastest first.")
    sms_session_minutes: int = 60

    pin_max_attempts: int = 5
    pin_lock_minutes: int = 15
    # PIN throttling (DESIGN.md section 6): three lockouts within a day hold the PIN until
    # staff unlock it; each source (conversation, From number, web client address) has at most
    # ``pin_checks_per_minute`` PIN checks hashed, and is refused without any check after
    # ``pin_source_failures`` failed PINs in ``pin_source_window_minutes`` or
    # ``pin_source_failures_per_day`` in a day.
    pin_lockouts_before_hold: int = 3
    pin_checks_per_minute: int = 10
    pin_source_failures: int = 8
    pin_source_window_minutes: int = 15
    pin_source_failures_per_day: int = 20
    trusted_proxies: str = Field(
        "",
        description="Comma-separated proxy addresses (or networks) whose X-Forwarded-For "
        "is believed for the web client's address; none by default.",
    )
    verified_minutes_sms: int = 10
    verified_minutes_default: int = 30
    readback_minutes: int = Field(10, description="A read-back can be answered this long.")
    api_docs: bool = Field(
        False, description="Serve Swagger UI at /docs and ReDoc at /redoc (they use a CDN)."
    )

    # Held payments (DESIGN.md section 8): a payment above the customer's co-sign amount
    # waits this long for a helper's approval, then expires without moving money.
    hold_cosign_hours: float = Field(24, description="How long a payment waits for a co-sign.")

    # Safety limits the customer sets (issue 10 item 5, assistant/banking/safety.py): a
    # change that loosens a limit (a higher or no daily limit, the cooling-off on new payees
    # off, a higher or no co-sign amount) waits ``safety_loosen_hours`` before it counts; one
    # that tightens counts at once. A payment above the co-sign amount while no helper is
    # left to approve it (the last one went less than ``safety_loosen_hours`` ago) waits a
    # cooling-off of ``scam_cooling_off_hours`` instead, as does a first payment to a payee
    # for a customer who asked for that (fraud/scam_rule.py).
    safety_loosen_hours: float = Field(24, description="How long a loosened limit waits.")

    # Scam intervention (issue 10 item 3, fraud/scam_rule.py). A payment to a payee waits in a
    # cooling-off of ``scam_cooling_off_hours`` instead of moving when: it is the first to a
    # payee and above ``scam_new_payee_above_minor`` (or at all, for a customer who asked for
    # a cooling-off on every new payee); the customer's words carried a scam signal and it is
    # above ``scam_word_floor_minor``; or it makes ``scam_rapid_count`` payments within
    # ``scam_rapid_minutes`` and is above that floor too. Told but not held (unless
    # ``scam_hold_unusual_amount`` / ``scam_hold_recent_payee``): words with a signal under
    # the floor, an amount over ``scam_unusual_factor`` times the largest payment of the last
    # ``scam_usual_days`` days, and a first payment to a payee added in the last
    # ``scam_recent_payee_hours``. The customer is texted ``scam_notice_minutes`` before a
    # cooling-off ends (reply CANCEL to stop it); it is released only once that text went out,
    # and at least ``scam_notice_grace_minutes`` after.
    scam_cooling_off_hours: float = Field(24, description="How long a scam cooling-off lasts.")
    scam_new_payee_above_minor: int = Field(
        20000, description="A first payment to a payee above this (minor units) cools off."
    )
    scam_word_floor_minor: int = Field(
        2500, description="A scam signal in the words holds a payment above this (minor units)."
    )
    scam_recent_payee_hours: float = Field(
        24, description="A payee added this recently is new for the first payment to them."
    )
    scam_unusual_factor: float = Field(
        3.0, description="Above this many times the largest recent payment is unusual."
    )
    scam_usual_days: int = Field(90, description="Days of payments that say what is usual.")
    scam_rapid_count: int = Field(3, description="This many payments close together is unusual.")
    scam_rapid_minutes: int = Field(60, description="The window for scam_rapid_count.")
    scam_hold_unusual_amount: bool = Field(
        False, description="An unusual amount holds the payment too (else it only warns)."
    )
    scam_hold_recent_payee: bool = Field(
        False, description="A first payment to a just-added payee holds (else it only warns)."
    )
    scam_notice_minutes: int = Field(
        60, description="The customer is texted this long before a cooling-off ends."
    )
    scam_notice_grace_minutes: int = Field(
        10, description="A late notice still leaves the customer this long to cancel."
    )

    # The large-text web interface (assistant/web). ``cookie_secure`` None means automatic:
    # Secure unless the public base URL is plain http:// (a local demo).
    cookie_secure: Optional[bool] = None
    web_session_idle_minutes: int = Field(
        120, description="A web session (and a half-filled form) survives this long idle."
    )
    web_session_max_hours: int = Field(12, description="A web session never lasts longer.")

    # Family helpers (DESIGN.md section 9, family/links). A customer has at most
    # ``helper_max_helpers`` helpers (active, waiting for their confirmation, or invited). An
    # invitation's code lasts ``helper_invitation_hours``; a helper who accepted waits at most
    # ``helper_confirm_days`` for the customer to confirm; every ``helper_review_days`` the
    # customer is asked whether a helper keeps their access. One-time codes (6 digits, single
    # use, dead after ``helper_code_max_tries`` wrong tries) are stored as an HMAC keyed with
    # ``helper_code_key()``. Portal sign-in codes last ``helper_sign_in_code_minutes``; code
    # requests are capped per number and per client address each hour (unknown numbers count
    # too), and a client address is refused after ``helper_code_failures_per_address_per_hour``
    # wrong codes.
    helper_code_secret: str = Field(
        "", env="ASSISTANT_HELPER_CODE_KEY", description="Key of the helper codes' hashes."
    )
    helper_max_helpers: int = 5
    helper_invitation_hours: int = 72
    helper_confirm_days: int = 14
    helper_review_days: int = 182
    helper_code_max_tries: int = 5
    helper_sign_in_code_minutes: int = 10
    helper_codes_per_number_per_hour: int = 3
    helper_codes_per_address_per_hour: int = 10
    helper_code_failures_per_address_per_hour: int = 20

    # The staff admin console (assistant/admin, DESIGN.md section 8). A staff sign-in is refused,
    # without checking the password, after ``staff_sign_in_failures_per_user`` failed sign-ins
    # for one username (known or not: the answer never tells which) or
    # ``staff_sign_in_failures_per_address`` from one client address, within
    # ``staff_sign_in_window_minutes``. A warning's status page asks for its progress every
    # ``admin_status_poll_seconds`` (with JavaScript; without it, a refresh link).
    staff_sign_in_failures_per_user: int = 5
    staff_sign_in_failures_per_address: int = 20
    staff_sign_in_window_minutes: int = 15
    admin_status_poll_seconds: float = 3.0

    # The worker (assistant/worker): background jobs on huey, its own process. ``queue_url`` ""
    # keeps the queue in SQLite at ``home/queue.db`` (one machine); ``redis://...`` puts it on
    # Redis, shared by several consumers on several machines. Each running worker beats every
    # ``worker_heartbeat_seconds``; /readyz wants a beat within ``worker_stale_seconds``. An
    # outbox message is tried at most ``outbox_max_attempts`` times, waiting
    # ``outbox_backoff_seconds`` after the first failure and twice as long after each next one
    # (an hour at most); a message claimed by a worker that died is taken back after
    # ``outbox_lease_seconds``.
    queue_url: str = Field("", description="'' (SQLite in home) or redis://host:port/db.")
    worker_threads: int = Field(2, description="Jobs one worker process runs at once.")
    worker_heartbeat_seconds: float = 5.0
    worker_stale_seconds: float = 30.0
    outbox_max_attempts: int = 8
    outbox_backoff_seconds: float = 5.0
    outbox_lease_seconds: float = 120.0

    # The account watch (fraud/account_watch.py, DESIGN 8 "Monitoring"): every payment and
    # security change is noticed to the customer on their own channel; unusual activity is
    # also alerted to the helpers who receive alerts: a payment of ``watch_large_payment_minor``
    # or more, ``watch_burst_payments`` payments within ``watch_burst_minutes``,
    # ``watch_pin_failures`` wrong PINs within ``watch_pin_failure_minutes``, a frozen or lost
    # card tried (at most one alert per card an hour). Events newer than
    # ``watch_settle_seconds`` are read again at the next sweep (a transaction that committed
    # late is never skipped; each event still acts once).
    watch_large_payment_minor: int = 100000
    watch_burst_payments: int = 3
    watch_burst_minutes: int = 60
    watch_pin_failures: int = 3
    watch_pin_failure_minutes: int = 10
    watch_settle_seconds: float = 60.0
    # Warning broadcasts (fraud/broadcasts). Publishing fans a warning out to its audience in
    # customer-id order, ``broadcast_batch_size`` customers per transaction (short ones: on
    # SQLite a fan-out never holds the write lock against customers' payments for long), for
    # at most ``broadcast_fanout_seconds`` per sweep of the worker (the next sweep goes on
    # from where it stopped). A warning written without an expiry lasts
    # ``broadcast_default_days``.
    broadcast_batch_size: int = Field(200, description="Customers per fan-out transaction.")
    broadcast_fanout_seconds: float = Field(
        45.0, description="The longest one sweep spends fanning warnings out."
    )
    broadcast_default_days: int = Field(14, description="How long a warning lasts by default.")
    # Outbound delivery in bulk (assistant/messaging/outbox_delivery.py): warnings and alerts
    # fan out through the outbox in batches. The provider's rate limits per medium, shared by a
    # worker's sending threads (and by every worker on one Redis queue): at most
    # ``sms_per_second`` texts and ``calls_per_second`` calls a second (0: no limit). Quiet
    # hours: a message with a time zone is never sent between ``quiet_hours`` (local time in
    # its zone, "HH:MM-HH:MM", wrapping past midnight; "" for none); it waits until morning
    # there. A worker claims up to ``outbox_batch_size`` due messages at once (fewer when a
    # rate limit would make a batch last longer than a few seconds), sends them on
    # ``outbox_send_threads`` kept-alive connections, and writes the outcomes
    # ``outbox_commit_rows`` rows a transaction (short transactions on SQLite, so a fan-out
    # never holds the write lock against customers' payments). One delivery task sends for at
    # most ``outbox_task_seconds`` before making way for the worker's other jobs. A call keeps
    # its script (for "press 1 to hear it again") until its last status, or
    # ``outbox_call_script_hours`` after it was placed.
    sms_per_second: float = Field(10, description="Texts sent per second at most (0: no limit).")
    calls_per_second: float = Field(1, description="Calls placed per second at most (0: none).")
    quiet_hours: str = Field("21:00-08:00", description="No texts or calls then, local time.")
    outbox_batch_size: int = 200
    outbox_send_threads: int = 8
    outbox_commit_rows: int = 100
    outbox_task_seconds: float = 10.0
    outbox_call_script_hours: float = 24.0

    class Config:
        env_prefix = "ASSISTANT_"

    def sqlite_url(self, name: str) -> str:
        self.home.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.home / name}"

    @property
    def bank_database_url(self) -> str:
        return self.database_url or self.sqlite_url("bank.db")

    @property
    def voice_rate_steps(self) -> List[str]:
        """The speech rates of a call, fastest first (at least one)."""
        steps = [rate.strip() for rate in self.voice_rates.split(",") if rate.strip()]
        return steps or ["100%"]

    @property
    def voice_rate_normal(self) -> str:
        return self.voice_rate_steps[0]

    @property
    def voice_rate_slow(self) -> str:
        """Where a customer whose profile says slow starts: one step down."""
        steps = self.voice_rate_steps
        return steps[min(1, len(steps) - 1)]

    @property
    def bank_phone_dial(self) -> str:
        """The bank's number to dial ("+18005550199"): its digits, country code first."""
        return "+" + "".join(ch for ch in self.bank_phone if ch.isdigit())

    @property
    def rasa_url(self) -> str:
        return f"http://{self.rasa_host}:{self.rasa_port}"

    @property
    def gateway_url(self) -> str:
        return f"http://{self.gateway_host}:{self.gateway_port}"

    @property
    def shared_loopback_twilio(self) -> Optional[str]:
        """The URL of the loopback Twilio `assistant up` runs, when it runs one (no real Twilio
        and no loopback address given); None otherwise."""
        if self.twilio_transport != "loopback" or self.twilio_api_base:
            return None
        return f"http://127.0.0.1:{self.loopback_twilio_port}"

    @property
    def twilio_base_url(self) -> str:
        """The base URL Twilio signs webhooks with (the public one, behind a proxy)."""
        return (self.public_base_url or self.gateway_url).rstrip("/")

    @property
    def session_cookie_secure(self) -> bool:
        """Whether the web session cookie is marked Secure."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        return not self.twilio_base_url.lower().startswith("http://")

    def channel_token(self) -> str:
        """The gateway-to-Rasa token: from the environment, else a random one kept in ``home``."""
        return self.rasa_token or self._local_secret("rasa-token")

    def action_token(self) -> str:
        """The Rasa-to-action-server secret: from the environment, else kept in ``home``."""
        return self.action_secret or self._local_secret("action-token")

    def pin_mask_key(self) -> str:
        """Key of the per-conversation PIN hash: from the environment, else kept in ``home``."""
        return self.pin_mask_secret or self._local_secret("pin-mask-key")

    def helper_code_key(self) -> str:
        """Key of the helper codes' HMAC: from the environment, else kept in ``home``."""
        return self.helper_code_secret or self._local_secret("helper-code-key")

    @property
    def helper_portal_url(self) -> str:
        """The helper portal's full address, as texts give it (never shortened)."""
        return f"{self.twilio_base_url}/helper"

    def twilio_token(self) -> str:
        """Twilio's auth token: from the environment, else a random local one for the demo."""
        return self.twilio_auth_token or self._local_secret("twilio-token")

    def _local_secret(self, name: str) -> str:
        path = self.home / name
        if not path.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
