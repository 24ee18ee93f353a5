"""Server time and page weight of every page of the customer's large-text web interface.

Starts a private stack (own home, SQLite bank seeded with the demo, free ports) with the trained
model, signs in as Margaret with an HTTP client (the CSRF token read from the sign-in form), walks
the send-money and pay-a-bill flows up to their check pages, then for each page:

- server time: p50 and p95 of ``--requests`` GETs over keep-alive loopback HTTP (client-measured,
  so an upper bound on the render time), after a few warm-up requests;
- page weight: the HTML plus the stylesheets and scripts it links, uncompressed, in KB
  (images excluded; the pages have none).

Targets (issue 4): p95 under 50 ms and under 100 KB per page. The confirm POST moves money, so
it is timed once per flow (with the redirect to its receipt); the receipt page itself is a GET.
Run: .venv/bin/python bench/web_pages.py
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.db import migrate, session_factory  # noqa: E402
from assistant.demo import seed_demo_bank  # noqa: E402
from assistant.processes import Stack, isolated_environment  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.training import train  # noqa: E402

TARGET_P95_MS = 50
TARGET_KB = 100
MARGARET, PIN = "+15550100001", "2468"


class Page(HTMLParser):
    """What a benchmark needs from a page: its forms, labels, and linked CSS and JS."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.labels: dict[str, str] = {}
        self.assets: list[str] = []
        self._label_for: str | None = None
        self._label_text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "inputs": [], "buttons": []})
        elif tag in ("input", "textarea") and self.forms:
            self.forms[-1]["inputs"].append(a)
        elif tag == "button" and self.forms:
            self.forms[-1]["buttons"].append(a)
        elif tag == "label":
            self._label_for, self._label_text = a.get("for"), []
        elif tag == "link" and "stylesheet" in a.get("rel", "").split() and a.get("href"):
            self.assets.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.assets.append(a["src"])

    def handle_data(self, data: str) -> None:
        if self._label_for is not None:
            self._label_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self._label_for:
            self.labels[self._label_for] = " ".join("".join(self._label_text).split())
            self._label_for = None

    def form_with(self, field: str) -> dict:
        for form in self.forms:
            if any(i.get("name") == field for i in form["inputs"]):
                return form
        raise LookupError(f"no form with a field {field!r}")

    def fields(self, form: dict) -> dict:
        """The form's hidden fields (csrf_token, payment_key, ...)."""
        return {
            i["name"]: i.get("value", "")
            for i in form["inputs"]
            if i.get("type") == "hidden" and i.get("name")
        }

    def radio(self, form: dict, name: str, label_word: str) -> str:
        """The value of the radio called ``name`` whose label mentions ``label_word``."""
        for i in form["inputs"]:
            if i.get("name") == name and i.get("type") == "radio":
                label = self.labels.get(i.get("id", ""), "") + " " + i.get("value", "")
                if label_word.lower() in label.lower():
                    return i["value"]
        raise LookupError(f"no {name} radio for {label_word!r}")


def submit(http: httpx.Client, url: str, page: Page, form: dict, answers: dict) -> httpx.Response:
    reply = http.post(urljoin(url, form["action"] or url), data={**page.fields(form), **answers})
    assert reply.status_code < 400, (url, reply.status_code, reply.text[:500])
    return reply


def walk_flow(http: httpx.Client, start: str, payee: str, amount: str) -> dict[str, str]:
    """Answer a money flow up to its check page; return {step name: URL} of each step page."""
    steps: dict[str, str] = {}
    reply = http.get(start)
    for _ in range(6):
        url, page = str(reply.url), Page(reply.text)
        if any(i.get("name") == "payment_key" for f in page.forms for i in f["inputs"]):
            steps["check"] = url
            return steps
        if any(i.get("name") == "amount" for f in page.forms for i in f["inputs"]):
            steps["amount"] = url
            reply = submit(http, url, page, page.form_with("amount"), {"amount": amount})
        elif any(i.get("name") == "from_account" for f in page.forms for i in f["inputs"]):
            steps["from"] = url
            reply = submit(
                http, url, page, page.form_with("from_account"), {"from_account": "checking"}
            )
        else:
            form = next(f for f in page.forms if any(i.get("type") == "radio" for i in f["inputs"]))
            name = next(i["name"] for i in form["inputs"] if i.get("type") == "radio")
            steps["payee"] = url
            reply = submit(http, url, page, form, {name: page.radio(form, name, payee)})
    raise AssertionError(f"{start}: never reached a check page")


def sign_in(http: httpx.Client) -> None:
    reply = http.get("/sign-in")
    page = Page(reply.text)
    form = page.form_with("pin")
    reply = submit(http, str(reply.url), page, form, {"phone": MARGARET, "pin": PIN})
    assert "What would you like to do?" in reply.text, reply.text[:500]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def weigh(http: httpx.Client, url: str, html: bytes) -> tuple[float, float]:
    """(HTML KB, linked CSS+JS KB), uncompressed."""
    assets = 0
    for href in dict.fromkeys(Page(html.decode("utf-8")).assets):
        asset = http.get(urljoin(url, href), headers={"Accept-Encoding": "identity"})
        assert asset.status_code == 200, (href, asset.status_code)
        assets += len(asset.content)
    return len(html) / 1024, assets / 1024


def time_page(http: httpx.Client, url: str, requests: int) -> tuple[list[float], bytes]:
    for _ in range(5):
        http.get(url)
    took = []
    for _ in range(requests):
        started = time.perf_counter()
        reply = http.get(url, headers={"Accept-Encoding": "identity"})
        took.append((time.perf_counter() - started) * 1000)
        assert reply.status_code == 200, (url, reply.status_code)
    return took, reply.content


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50, help="timed GETs per page")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-web-"))
    os.environ.update(isolated_environment(home, ASSISTANT_COOKIE_SECURE="false"))
    settings = Settings()
    migrate(settings.bank_database_url)
    seed_demo_bank(session_factory(settings.bank_database_url))
    model = train(settings)
    rows: list[tuple[str, float, float, float, float]] = []
    with (
        Stack(settings, model),
        httpx.Client(base_url=settings.gateway_url, timeout=60) as anonymous,
        httpx.Client(base_url=settings.gateway_url, timeout=60, follow_redirects=True) as http,
    ):
        took, html = time_page(anonymous, "/sign-in", args.requests)
        rows.append(("sign-in (signed out)", *_figures(took), *weigh(anonymous, "/sign-in", html)))

        sign_in(http)
        pages = {
            "home": "/",
            "balance": "/balance",
            "payments": "/payments",
            "talk": "/talk",
            "ask": "/ask",
            "settings": "/settings",
            "help": "/help",
            "helpers": "/helpers",
            "invite a helper": "/helpers/invite",
            "who looked": "/helpers/who-looked",
            "waiting payments": "/waiting",
        }
        for name, url in pages.items():
            took, html = time_page(http, url, args.requests)
            rows.append((name, *_figures(took), *weigh(http, url, html)))

        for flow, start, payee in (
            ("send", "/send", "Tom"),
            ("pay-bill", "/pay-bill", "City Power"),
        ):
            steps = walk_flow(http, start, payee, "1")
            for step, url in steps.items():
                took, html = time_page(http, url, args.requests)
                rows.append((f"{flow}: {step}", *_figures(took), *weigh(http, url, html)))
            check = http.get(steps["check"])
            page = Page(check.text)
            started = time.perf_counter()
            done = submit(http, str(check.url), page, page.form_with("payment_key"), {})
            once = (time.perf_counter() - started) * 1000
            rows.append((f"{flow}: confirm (1 POST+redirect)", once, once, 0.0, 0.0))
            took, html = time_page(http, str(done.url), args.requests)
            rows.append((f"{flow}: done", *_figures(took), *weigh(http, str(done.url), html)))

    print(
        f"{'page':36} {'p50 ms':>7} {'p95 ms':>7} {'HTML KB':>8} {'CSS+JS KB':>10} "
        f"{'total KB':>9}  within target"
    )
    for name, p50, p95, html_kb, assets_kb in rows:
        ok = p95 < TARGET_P95_MS and html_kb + assets_kb < TARGET_KB
        print(
            f"{name:36} {p50:7.1f} {p95:7.1f} {html_kb:8.1f} {assets_kb:10.1f} "
            f"{html_kb + assets_kb:9.1f}  {'yes' if ok else 'NO'}"
        )
    print(
        f"targets: p95 < {TARGET_P95_MS} ms, page weight < {TARGET_KB} KB "
        f"({args.requests} timed GETs per page over loopback keep-alive HTTP)"
    )


def _figures(took: list[float]) -> tuple[float, float]:
    return percentile(took, 50), percentile(took, 95)


if __name__ == "__main__":
    main()
