"""The ``assistant`` command: run, talk to, train and seed the assistant."""

from __future__ import annotations

import getpass
import os
import signal
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click
import httpx

from assistant.settings import Settings, get_settings

if TYPE_CHECKING:
    from voice.softphone import WebhookSender


@click.group()
def main() -> None:
    """Kindly Bank's accessible banking assistant."""
    # Databases (and their WAL files), logs and token files: owner-only, whoever creates them.
    os.umask(0o077)


@main.command("migrate")
def migrate_command() -> None:
    """Create or upgrade the bank database."""
    from assistant.db import migrate

    migrate(get_settings().bank_database_url)
    click.echo("database is up to date")


@main.command("demo-data")
def demo_data() -> None:
    """Seed the demo bank of the README (safe to run again)."""
    from assistant.db import migrate
    from assistant.demo import seed_demo_bank

    migrate(get_settings().bank_database_url)
    seeded = seed_demo_bank()
    click.echo("demo bank seeded" if seeded else "demo bank already present; nothing changed")


@main.command()
@click.option("--force", is_flag=True, help="Train even if the model is up to date.")
def train(force: bool) -> None:
    """Train the Rasa model if its training data, config or NLU code changed."""
    from assistant.training import TrainingFailed
    from assistant.training import train as train_model

    try:
        model = train_model(get_settings(), force=force)
    except TrainingFailed as failed:
        raise click.ClickException(str(failed)) from None
    click.echo(f"model: {model}")


@main.command()
def up() -> None:
    """Run everything: train if needed, migrate and seed, start all processes."""
    from assistant.db import migrate
    from assistant.demo import seed_demo_bank
    from assistant.processes import Stack, StackFailed
    from assistant.training import train as train_model

    settings = get_settings()
    migrate(settings.bank_database_url)
    if seed_demo_bank():
        click.echo("seeded the demo bank")
    model = train_model(settings)
    click.echo(f"starting with model {model.name} (logs in {settings.home / 'logs'}) ...")
    stack = Stack(settings, model, echo=click.echo)
    failure = None

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    with stack:
        gateway = settings.gateway_url
        click.echo(f"gateway        {gateway}  (health {gateway}/healthz, API docs {gateway}/docs)")
        click.echo(f"web pages      {gateway}/  (sign in as a demo customer, see README)")
        click.echo(f"rasa server    {settings.rasa_url}  (localhost only)")
        actions = f"http://{settings.action_host}:{settings.action_port}"
        click.echo(f"action server  {actions}  (localhost only)")
        if settings.shared_loopback_twilio:
            click.echo(
                f"loopback Twilio {settings.shared_loopback_twilio}  (no real texts or calls; "
                "`assistant sms --from NUMBER` shows that number's texts)"
            )
        click.echo(f"helper portal  {gateway}/helper  (demo helper Linda, see README)")
        queue = "Redis" if settings.queue_url else f"SQLite, {settings.home / 'queue.db'}"
        click.echo(f"worker         background jobs (queue on {queue})")
        click.echo("ready. Press Ctrl-C to stop.")
        try:
            stack.supervise()  # restarts a part that died, within a limit
        except KeyboardInterrupt:
            pass
        except StackFailed as error:
            failure = error
        finally:
            # A second Ctrl-C must not abandon the parts half stopped (stop() is bounded).
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            click.echo("stopping ...")
    click.echo("stopped")
    if failure is not None:
        raise click.ClickException(f"stopped everything because {failure}")


@main.command()
def worker() -> None:
    """Run one worker (background jobs: deliveries, expiries) in the foreground.

    It consumes the queue ASSISTANT_QUEUE_URL names (SQLite in the home folder by default, or
    Redis, where several workers on several machines share it); Ctrl-C or SIGTERM stop it
    cleanly. `assistant up` runs one itself.
    """
    from assistant.worker.main import run_worker

    run_worker(get_settings())


@main.command()
@click.option("--phone", required=True, help="Talk as the customer with this number (E.164).")
@click.option("--url", default=None, help="Gateway URL (default: the configured gateway).")
def chat(phone: str, url: str | None) -> None:
    """Talk to the running assistant in the terminal, through the same path as a real channel.

    Reads lines typed at the prompt, or piped on standard input.
    """
    base = url or get_settings().gateway_url
    interactive = sys.stdin.isatty()
    with httpx.Client(base_url=base, timeout=60) as http:
        try:
            started = http.post("/api/conversations", json={"phone": phone, "channel": "chat"})
        except httpx.HTTPError:
            raise click.ClickException(
                f"cannot reach the gateway at {base}; is `assistant up` running?"
            ) from None
        if started.status_code != 201:
            raise click.ClickException(started.json().get("detail", started.text))
        conversation = started.json()["conversation_id"]
        http.headers["Authorization"] = f"Bearer {started.json()['conversation_token']}"
        awaiting_pin = False
        buttons: list = []
        while True:
            line = _read_line(interactive, awaiting_pin)
            if line is None:
                break
            if not line.strip():
                continue
            if not awaiting_pin and line.strip().isdigit() and 0 < int(line) <= len(buttons):
                line = buttons[int(line) - 1]["payload"]
            if not interactive:
                click.echo(f"you: {'****' if awaiting_pin else line}")
            reply = http.post(
                f"/api/conversations/{conversation}/messages",
                json={"text": line, "client_message_id": uuid.uuid4().hex},
            )
            reply.raise_for_status()
            turn = reply.json()
            buttons = []
            for message in turn["messages"]:
                click.echo(f"bank: {message['text']}")
                for button in message.get("buttons") or []:
                    buttons.append(button)
                    click.echo(f"      {len(buttons)}. {button['title']}")
            awaiting_pin = turn["awaiting_pin"]


@main.command()
@click.option("--from", "caller", required=True, help="Call from this number (E.164).")
@click.option("--url", default=None, help="Gateway URL (default: the configured gateway).")
def phone(caller: str, url: str | None) -> None:
    """Phone the running assistant from the terminal, as Twilio would (signed webhooks).

    Shows what the caller would hear. Type what you would say; digits alone are keypad presses;
    an empty line is silence. On hold for your helper (a conference), * brings you back to the
    assistant. Works typed at the prompt or piped on standard input.
    """
    from voice.softphone import Softphone, SoftphoneError, masked

    settings = get_settings()
    interactive = sys.stdin.isatty()
    with _webhook_sender(settings, url) as sender:
        call = Softphone(sender, caller, settings.twilio_number, _account_sid(settings))
        try:
            click.echo(f"calling the bank from {caller} (call {call.call_sid}) ...")
            _echo(call.dial_in())
            while not call.ended:
                secret = call.expects_secret
                line = _read_line(interactive, secret, prompt="you (speak or press keys): ")
                if line is None:
                    _echo(call.hang_up())
                    break
                if not interactive:
                    click.echo(f"you: {masked(line, secret) if line.strip() else '(silence)'}")
                _echo(call.respond(line))
        except KeyboardInterrupt:
            click.echo()
            _echo(call.hang_up())
        except SoftphoneError as error:
            raise click.ClickException(str(error)) from None


@main.command()
@click.option("--from", "sender_number", required=True, help="Text from this number (E.164).")
@click.option("--url", default=None, help="Gateway URL (default: the configured gateway).")
def sms(sender_number: str, url: str | None) -> None:
    """Text the running assistant from the terminal, as Twilio would (signed webhooks).

    Each line is one text; the reply is shown with its segment count. Works typed at the
    prompt or piped on standard input.
    """
    from voice.softphone import SoftphoneError, TextingPhone, masked

    settings = get_settings()
    interactive = sys.stdin.isatty()
    inbox = _Inbox(settings, sender_number) if interactive else None
    with _webhook_sender(settings, url) as sender:
        if inbox is not None:
            inbox.start()
        texting = TextingPhone(
            sender, sender_number, settings.twilio_number, _account_sid(settings)
        )
        try:
            while True:
                line = _read_line(interactive, False, prompt="text: ")
                if line is None:
                    break
                if not line.strip():
                    continue
                if not interactive:
                    click.echo(f"you: {masked(line, False)}")
                _echo(texting.send(line))
        except KeyboardInterrupt:
            click.echo()
        except SoftphoneError as error:
            raise click.ClickException(str(error)) from None
        finally:
            if inbox is not None:
                inbox.stop()


@main.command("card-attempt")
@click.option("--phone", required=True, help="The card holder's number (E.164).")
@click.option("--last4", required=True, help="The last four digits of the card.")
@click.option("--merchant", default="Online Store", show_default=True, help="The shop.")
@click.option("--amount", required=True, help="The amount, e.g. 49.99.")
@click.option("--key", default=None, help="The network's request key (default: a new one).")
def card_attempt(phone: str, last4: str, merchant: str, amount: str, key: str | None) -> None:
    """Demo card network: ask the bank to authorise a card purchase (a frozen or lost card is
    declined and recorded, and the customer and their helpers are alerted)."""
    import secrets

    from assistant.banking.card_auth import CardAuthoriser
    from assistant.banking.phones import normalize_phone
    from assistant.db import session_factory
    from assistant.money import Money

    settings = get_settings()
    try:
        money = Money.from_decimal_str(amount, settings.currency)
    except ValueError:
        raise click.ClickException(f"not an amount: {amount!r}") from None
    if money.minor <= 0:
        raise click.ClickException("the amount must be more than zero")
    answer = CardAuthoriser(session_factory(settings.bank_database_url)).authorise(
        request_key=key or secrets.token_hex(8),
        phone=normalize_phone(phone),
        last4=last4,
        merchant=merchant,
        amount=money,
    )
    click.echo(f"{answer.decision}{' (' + answer.reason + ')' if answer.reason else ''}")


class _Inbox(threading.Thread):
    """Shows, as they arrive, the texts the bank sends this number through the demo's loopback
    Twilio (invitation and sign-in codes, approvals, alerts): the phone's own inbox."""

    def __init__(self, settings: Settings, number: str) -> None:
        super().__init__(name="inbox", daemon=True)
        self.base = settings.twilio_api_base or settings.shared_loopback_twilio
        self.auth = (_account_sid(settings), settings.twilio_token())
        self.number = number
        self.stopped = threading.Event()

    def run(self) -> None:
        from assistant.messaging.fake_twilio import read_inbox

        if not self.base:
            return  # real Twilio: texts go to the real phone
        seen = 0  # texts sent before this phone was switched on are shown too (a code)
        while not self.stopped.wait(1.0):
            try:
                items = read_inbox(self.base, *self.auth, self.number, seen)
            except httpx.HTTPError:
                continue
            for item in items:
                seen = max(seen, item["seq"])
                if item["kind"] == "message":
                    click.echo(f"\n[text from the bank] {item['body']}")

    def stop(self) -> None:
        self.stopped.set()


@contextmanager
def _webhook_sender(settings: Settings, url: str | None) -> Iterator[WebhookSender]:
    """Signed webhooks to the gateway at ``url``, signed for the URL Twilio would call."""
    from voice.softphone import WebhookSender

    base = (url or settings.gateway_url).rstrip("/")
    public = settings.public_base_url.rstrip("/") or base
    with httpx.Client(base_url=base, timeout=60) as http:
        try:
            http.get("/healthz")
        except httpx.HTTPError:
            raise click.ClickException(
                f"cannot reach the gateway at {base}; is `assistant up` running?"
            ) from None
        yield WebhookSender(http, settings.twilio_token(), public)


def _account_sid(settings: Settings) -> str:
    from assistant.messaging.transport import account_sid

    return account_sid(settings)


def _echo(lines: list[str]) -> None:
    for line in lines:
        click.echo(line)


def _read_line(interactive: bool, secret: bool, prompt: str = "you: ") -> str | None:
    try:
        if interactive:
            return getpass.getpass("PIN (hidden): ") if secret else input(prompt)
        line = sys.stdin.readline()
        return line.rstrip("\n") if line else None
    except EOFError:
        return None


def _add_commands() -> None:
    from assistant.broadcast_cli import broadcast

    main.add_command(broadcast)


_add_commands()

if __name__ == "__main__":
    main()
