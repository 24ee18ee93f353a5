"""Measure NLU intent accuracy and amount extraction on the held-out set.

Two modes:

  --server http://127.0.0.1:5005
      Posts every held-out text to a running Rasa server's NLU evaluation route
      (``/webhooks/nlu/parse``, which answers what Rasa's ``/model/parse`` would) and compares
      ``intent.name`` and the ``amount`` entity's value (``{"minor_units", "currency"}``)
      with the expected labels. Prints intent accuracy, amount accuracy, per-intent
      figures and the list of misses. The route exists only when Rasa was started with
      ``ASSISTANT_NLU_EVAL_TOKEN`` set; this script sends the same variable (or ``--token``)
      as a bearer token.

  --quick
      Trains a scikit-learn TF-IDF (word 1-2 grams + char_wb 2-5 grams) + LinearSVC on
      ``data/nlu.yml`` in-process and reports intent accuracy on the held-out set (no
      amounts), plus a stratified k-fold cross-validation on the training data. Meant for
      fast iteration on the training data, not as a stand-in for the real pipeline.

Run with the project's interpreter, e.g.::

    .venv/bin/python bench/nlu_accuracy.py --quick
    ASSISTANT_NLU_EVAL_TOKEN=... .venv/bin/python bench/nlu_accuracy.py --server http://127.0.0.1:5005

Exit status is 0 when intent accuracy reaches ``--min-accuracy`` (default 0.90), else 1.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Optional

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT / "data" / "nlu.yml"
DEFAULT_HELDOUT = ROOT / "tests" / "nlu_eval" / "heldout.yml"
SCAM_HELDOUT = ROOT / "tests" / "nlu_eval" / "scam_signals.yml"

# "[text](entity)" / "[text]{...}" annotations, in case training data ever carries them.
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


# --------------------------------------------------------------------------- loading


def load_training(path: Path) -> list[tuple[str, str]]:
    """Return (text, intent) pairs from a Rasa 3 YAML NLU file."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    pairs: list[tuple[str, str]] = []
    for item in doc.get("nlu", []) or []:
        intent = item.get("intent")
        if not intent:
            continue
        examples = item.get("examples") or ""
        for line in str(examples).splitlines():
            line = line.strip()
            if not line.startswith("- "):
                continue
            text = _ANNOTATION.sub(r"\1", line[2:].strip())
            if text:
                pairs.append((text, intent))
    return pairs


def load_heldout(path: Path) -> list[dict[str, Any]]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    examples = doc.get("examples") or []
    out = []
    for ex in examples:
        amount = ex.get("amount")
        if amount is not None:
            amount = {
                "minor_units": int(amount["minor_units"]),
                "currency": str(amount["currency"]).upper(),
            }
        out.append({"text": str(ex["text"]), "intent": ex["intent"], "amount": amount})
    return out


# --------------------------------------------------------------------------- reporting


def per_intent_table(gold: list[str], pred: list[str]) -> list[tuple[str, int, float, float]]:
    """(intent, support, precision, recall) per gold intent, worst recall first."""
    support = Counter(gold)
    predicted = Counter(pred)
    correct = Counter(g for g, p in zip(gold, pred) if g == p)
    rows = []
    for intent in support:
        recall = correct[intent] / support[intent]
        precision = correct[intent] / predicted[intent] if predicted[intent] else 0.0
        rows.append((intent, support[intent], precision, recall))
    rows.sort(key=lambda r: (r[3], r[2], r[0]))
    return rows


def print_intent_report(title: str, texts: list[str], gold: list[str], pred: list[str]) -> float:
    n = len(gold)
    hits = sum(g == p for g, p in zip(gold, pred))
    acc = hits / n if n else 0.0
    print(f"\n== {title}")
    print(f"intent accuracy: {hits}/{n} = {acc:.1%}")
    print("\nper intent (worst recall first):")
    print(f"  {'intent':22s} {'n':>4s} {'prec':>6s} {'recall':>7s}")
    for intent, sup, prec, rec in per_intent_table(gold, pred):
        print(f"  {intent:22s} {sup:4d} {prec:6.0%} {rec:7.0%}")
    misses = [(t, g, p) for t, g, p in zip(texts, gold, pred) if g != p]
    if misses:
        pairs = Counter((g, p) for _, g, p in misses)
        print("\nconfusions (expected -> predicted: count):")
        for (g, p), c in pairs.most_common():
            print(f"  {g} -> {p}: {c}")
        print("\nmisses:")
        for t, g, p in sorted(misses, key=lambda m: (m[1], m[2])):
            print(f"  [{g} -> {p}] {t}")
    return acc


# --------------------------------------------------------------------------- quick mode


def _normalizer(enabled: bool):
    """The project's text normaliser (nlu.normalize), or identity when off/unavailable."""
    if not enabled:
        return None
    sys.path.insert(0, str(ROOT))
    try:
        from nlu.normalize import normalize
    except ImportError as exc:  # components are optional for quick mode
        print(f"(--normalize ignored: cannot import nlu.normalize: {exc})")
        return None
    return normalize


def build_quick_model(preprocessor=None):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.svm import LinearSVC

    features = FeatureUnion(
        [
            (
                "word",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    lowercase=True,
                    sublinear_tf=True,
                    token_pattern=r"(?u)\b\w+\b|[$€£]",  # noqa: S106 - a regex, not a password
                    preprocessor=_lower_with(preprocessor),
                ),
            ),
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    lowercase=True,
                    sublinear_tf=True,
                    preprocessor=_lower_with(preprocessor),
                ),
            ),
        ]
    )
    return Pipeline([("features", features), ("svm", LinearSVC(C=1.0))])


class _lower_with:  # picklable, unlike a closure, so cross-validation can clone it
    def __init__(self, fn=None):
        self.fn = fn

    def __call__(self, text: str) -> str:
        return (self.fn(text) if self.fn else text).lower()


def run_quick(args: argparse.Namespace) -> float:
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    train = load_training(args.data)
    heldout = load_heldout(args.heldout)
    prep = _normalizer(args.normalize)
    texts = [t for t, _ in train]
    labels = [i for _, i in train]
    counts = Counter(labels)
    print(f"training examples: {len(train)} in {len(counts)} intents ({args.data})")
    for intent, c in sorted(counts.items()):
        print(f"  {intent:22s} {c:4d}")

    train_set = {t.lower() for t in texts}
    leaked = [ex["text"] for ex in heldout if ex["text"].lower() in train_set]
    if leaked:
        print(f"\nWARNING: {len(leaked)} held-out texts also occur in training data:")
        for t in leaked:
            print(f"  {t}")

    if args.cv and args.cv > 1:
        folds = min(args.cv, min(counts.values()))
        skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=13)
        cv_pred = cross_val_predict(build_quick_model(prep), texts, labels, cv=skf)
        cv_hits = sum(p == g for p, g in zip(cv_pred, labels))
        print(f"\n== {folds}-fold cross-validation on training data")
        print(f"intent accuracy: {cv_hits}/{len(labels)} = {cv_hits / len(labels):.1%}")
        if args.verbose:
            print_intent_report("cross-validation detail", texts, labels, list(cv_pred))

    model = build_quick_model(prep)
    model.fit(texts, labels)
    h_texts = [ex["text"] for ex in heldout]
    h_gold = [ex["intent"] for ex in heldout]
    h_pred = list(model.predict(h_texts))
    return print_intent_report(
        f"held-out ({args.heldout.name}), quick TF-IDF + LinearSVC"
        + (" on normalised text" if prep else ""),
        h_texts,
        h_gold,
        h_pred,
    )


# --------------------------------------------------------------------------- server mode


def _amount_from_entities(entities: list[dict[str, Any]]) -> Optional[dict[str, Any]]:
    for ent in entities or []:
        if ent.get("entity") != "amount":
            continue
        value = ent.get("value")
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return {"raw": value}
        if isinstance(value, dict) and "minor_units" in value:
            try:
                return {
                    "minor_units": int(value["minor_units"]),
                    "currency": str(value.get("currency", "")).upper(),
                }
            except (TypeError, ValueError):
                return {"raw": value}
        return {"raw": value}
    return None


EVAL_TOKEN_ENV = "ASSISTANT_NLU_EVAL_TOKEN"  # noqa: S105 - a variable name, not a secret
EVAL_ROUTE = "/webhooks/nlu/parse"


def run_server(args: argparse.Namespace) -> float:
    import os

    import requests

    heldout = load_heldout(args.heldout)
    url = args.server.rstrip("/") + EVAL_ROUTE
    token = args.token or os.environ.get(EVAL_TOKEN_ENV, "")
    if not token:
        sys.exit(
            f"set {EVAL_TOKEN_ENV} (the same value the Rasa server was started with) "
            "or pass --token"
        )
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"

    texts, gold, pred = [], [], []
    amount_total = amount_hits = spurious = 0
    amount_misses = []
    confidences = []
    for ex in heldout:
        resp = session.post(url, json={"text": ex["text"]}, timeout=args.timeout)
        resp.raise_for_status()
        body = resp.json()
        intent = (body.get("intent") or {}).get("name") or "<none>"
        confidences.append(float((body.get("intent") or {}).get("confidence") or 0.0))
        got_amount = _amount_from_entities(body.get("entities") or [])
        texts.append(ex["text"])
        gold.append(ex["intent"])
        pred.append(intent)
        if ex["amount"] is not None:
            amount_total += 1
            if got_amount == ex["amount"]:
                amount_hits += 1
            else:
                amount_misses.append((ex["text"], ex["amount"], got_amount))
        elif got_amount is not None:
            spurious += 1
            amount_misses.append((ex["text"], None, got_amount))

    acc = print_intent_report(f"held-out ({args.heldout.name}) via {url}", texts, gold, pred)
    if confidences:
        print(f"\nmean intent confidence: {sum(confidences) / len(confidences):.2f}")
    print("\n== amount extraction")
    if amount_total:
        print(f"amount accuracy: {amount_hits}/{amount_total} = {amount_hits / amount_total:.1%}")
    print(f"spurious amounts on texts without one: {spurious}")
    if amount_misses:
        print("\namount misses (expected -> got):")
        for text, want, got in amount_misses:
            print(f"  {text!r}: {want} -> {got}")
    score_scam_signals(session, url, args.timeout)
    return acc


def score_scam_signals(session: Any, url: str, timeout: float) -> None:
    """The scam signals (``scam_signal`` entities) the server finds in the held-out scam set:
    scam phrasings flagged, ordinary requests left clean, per-signal precision and recall."""
    examples = yaml.safe_load(SCAM_HELDOUT.read_text(encoding="utf-8"))["examples"]
    flagged = scams = clean = ordinary = exact = 0
    hits: Counter = Counter()
    wanted: Counter = Counter()
    found_total: Counter = Counter()
    misses = []
    for ex in examples:
        resp = session.post(url, json={"text": ex["text"]}, timeout=timeout)
        resp.raise_for_status()
        found = {
            e["value"] for e in resp.json().get("entities") or [] if e["entity"] == "scam_signal"
        }
        want = set(ex["scam_signals"])
        exact += found == want
        if want:
            scams += 1
            flagged += bool(found)
        else:
            ordinary += 1
            clean += not found
        for name in want:
            wanted[name] += 1
            hits[name] += name in found
        for name in found:
            found_total[name] += 1
        if found != want:
            misses.append((ex["text"], sorted(want), sorted(found)))
    print(f"\n== scam signals ({SCAM_HELDOUT.name}, {len(examples)} utterances never trained on)")
    print(f"scam phrasings flagged: {flagged}/{scams}; ordinary requests clean: {clean}/{ordinary}")
    precision = sum(hits.values()) / max(1, sum(found_total.values()))
    recall = sum(hits.values()) / max(1, sum(wanted.values()))
    print(f"per signal: precision {precision:.2f}, recall {recall:.2f}; exact set {exact}")
    for name in sorted(wanted):
        print(f"  {name:<22} {hits[name]}/{wanted[name]}")
    if misses:
        print("\nscam-signal misses (expected -> got):")
        for text, want, got in misses:
            print(f"  {text!r}: {want} -> {got}")


# --------------------------------------------------------------------------- main


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--server", help="Rasa server base URL, e.g. http://127.0.0.1:5005")
    mode.add_argument("--quick", action="store_true", help="in-process TF-IDF + LinearSVC")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="training NLU file")
    parser.add_argument("--heldout", type=Path, default=DEFAULT_HELDOUT, help="held-out set")
    parser.add_argument("--cv", type=int, default=5, help="folds for cross-validation (quick)")
    parser.add_argument(
        "--normalize", action="store_true", help="quick mode: apply nlu.normalize first"
    )
    parser.add_argument(
        "--token", help=f"NLU evaluation token (default: ${EVAL_TOKEN_ENV}), sent as a bearer"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="HTTP timeout, seconds")
    parser.add_argument("--min-accuracy", type=float, default=0.90)
    parser.add_argument("-v", "--verbose", action="store_true", help="detail for CV too")
    args = parser.parse_args(argv)

    acc = run_quick(args) if args.quick else run_server(args)
    ok = acc >= args.min_accuracy
    print(
        f"\n{'PASS' if ok else 'BELOW TARGET'}: intent accuracy {acc:.1%} "
        f"(target {args.min_accuracy:.0%})"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
