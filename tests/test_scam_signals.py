"""Scam signals in the words (nlu.scam_signals, nlu.components.ScamSignalClassifier), trained
on the project's own annotated data and judged on phrasings it never saw
(tests/nlu_eval/scam_signals.yml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.components import ScamSignalClassifier, TextNormalizer
from nlu.scam_signals import SIGNALS, ScamSignalModel, example_signals

ROOT = Path(__file__).resolve().parent.parent
HELD_OUT = yaml.safe_load((ROOT / "tests" / "nlu_eval" / "scam_signals.yml").read_text())[
    "examples"
]


def _context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), model_id="test", node_name="scam")


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScamSignalClassifier, Path]:
    """The component trained as `rasa train` trains it: every NLU example, normalised first."""
    data = TrainingData().merge(
        load_data(str(ROOT / "data" / "nlu.yml")), load_data(str(ROOT / "data" / "nlu_scam.yml"))
    )
    TextNormalizer().process_training_data(data)
    storage_path = tmp_path_factory.mktemp("storage")
    storage = LocalModelStorage(storage_path)
    component = ScamSignalClassifier.create(
        ScamSignalClassifier.get_default_config(), storage, Resource("scam"), _context()
    )
    component.train(data)
    return component, storage_path


def signals_of(component: ScamSignalClassifier, texts: list[str]) -> list[set[str]]:
    messages = [Message(data={"text": text}) for text in texts]
    TextNormalizer().process(messages)
    component.process(messages)
    return [
        {e["value"] for e in m.get("entities") or [] if e["entity"] == "scam_signal"}
        for m in messages
    ]


def test_every_family_is_annotated_in_the_training_data() -> None:
    data = load_data(str(ROOT / "data" / "nlu_scam.yml"))
    seen = {
        name
        for example in data.training_examples
        for name in example_signals((example.get("metadata") or {}).get("example"))
    }
    assert seen == set(SIGNALS)


def test_an_unknown_signal_name_in_the_data_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown scam signal"):
        example_signals({"scam_signals": ["grandma"]})


@pytest.mark.parametrize("family", SIGNALS)
def test_each_family_is_recognised_in_phrasings_it_never_trained_on(trained, family) -> None:
    component, _ = trained
    unseen = [item["text"] for item in HELD_OUT if family in item["scam_signals"]]
    assert len(unseen) >= 3, f"the held-out set needs phrasings of {family}"
    found = signals_of(component, unseen)
    recognised = [text for text, names in zip(unseen, found) if family in names]
    # Most, not every one: a learned model, judged on words it never saw (a family heard only
    # in passing, "... today", is the hardest).
    assert len(recognised) >= 0.7 * len(unseen), (family, unseen, found)


def test_ordinary_requests_carry_no_signal(trained) -> None:
    component, _ = trained
    plain = [
        "send 50 to Tom for his birthday",
        "pay the water bill from checking",
        "move 100 from savings to checking",
        "what's my balance",
        "yes",
    ]
    assert signals_of(component, plain) == [set()] * len(plain)


def test_held_out_figures(trained) -> None:
    """Utterances it never trained on: nearly every scam phrasing flags, nearly no ordinary
    request does, and label by label it is right most of the time."""
    component, _ = trained
    found = signals_of(component, [item["text"] for item in HELD_OUT])
    wanted = [set(item["scam_signals"]) for item in HELD_OUT]
    positives = [(w, f) for w, f in zip(wanted, found) if w]
    negatives = [f for w, f in zip(wanted, found) if not w]
    flagged = sum(1 for _, f in positives if f) / len(positives)
    clean = sum(1 for f in negatives if not f) / len(negatives)
    hits = sum(len(w & f) for w, f in zip(wanted, found))
    precision = hits / max(1, sum(len(f) for f in found))
    recall = hits / sum(len(w) for w in wanted)
    assert flagged >= 0.9 and clean >= 0.9, (flagged, clean)
    assert precision >= 0.85 and recall >= 0.85, (precision, recall)


def test_one_message_carries_several_signals_and_no_span(trained) -> None:
    component, _ = trained
    message = Message(data={"text": "send 2000 to tom my grandson needs bail dont tell his mum"})
    TextNormalizer().process([message])
    component.process([message])
    ours = [e for e in message.get("entities") if e["entity"] == "scam_signal"]
    assert {e["value"] for e in ours} >= {"relative_in_trouble", "secrecy"}
    assert all("start" not in e and e["extractor"] == "ScamSignalClassifier" for e in ours)
    assert all(0.5 <= e["confidence"] <= 1 for e in ours)


def test_the_trained_model_loads_back_and_says_the_same(trained) -> None:
    component, storage_path = trained
    loaded = ScamSignalClassifier.load(
        ScamSignalClassifier.get_default_config(),
        LocalModelStorage(storage_path),
        Resource("scam"),
        _context(),
    )
    texts = [item["text"] for item in HELD_OUT]
    assert signals_of(loaded, texts) == signals_of(component, texts)


def test_an_untrained_model_finds_nothing() -> None:
    model = ScamSignalModel().fit(["send 50 to tom"], [[]])
    assert model.predict(["a man from the police said to move my money"]) == [[]]
