"""The Rasa components, called directly with Rasa Message/TrainingData objects."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.validation import validate
from rasa.shared.data import TrainingType
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.components import (
    BankEntityExtractor,
    MetadataEntityExtractor,
    TextNormalizer,
    TfidfIntentClassifier,
)
from nlu.intent_model import prepare

PAYEES = [
    {"name": "Linda", "aliases": ["daughter"]},
    {"name": "Tom", "aliases": ["grandson"]},
    {"name": "City Power", "aliases": ["electric bill", "electricity", "power"]},
]

TRAINING = {
    "greet": ["hi", "hello", "good morning", "hey there", "hiya", "good afternoon"],
    "check_balance": [
        "what's my balance",
        "how much money do i have",
        "balance",
        "check my balance",
        "how much is in my savings",
        "account balance please",
    ],
    "transfer_money": [
        "send 50 to tom",
        "transfer 100 from savings to checking",
        "move money to savings",
        "send money to my daughter",
        "transfer two hundred dollars",
        "give my grandson 20",
    ],
    "freeze_card": [
        "freeze my card",
        "block my card",
        "i lost my card",
        "my card was stolen",
        "stop my card",
        "someone took my card",
    ],
}


def _context(name: str = "node") -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), model_id="test", node_name=name)


def _create(cls: type, config: dict | None = None, storage_path: Path | None = None):  # noqa: ANN202
    storage = LocalModelStorage(storage_path or Path("."))
    return cls.create(
        {**cls.get_default_config(), **(config or {})}, storage, Resource("r"), _context()
    )


def test_text_normalizer_process_keeps_the_original() -> None:
    normalizer = _create(TextNormalizer)
    message = Message(data={"text": "wats my bal pls"})
    normalizer.process([message])
    assert message.get("text") == "what's my balance please"
    assert message.get("original_text") == "wats my bal pls"
    assert message.as_dict(only_output_properties=True)["original_text"] == "wats my bal pls"


def test_text_normalizer_is_safe_to_run_twice_and_skips_intent_shortcuts() -> None:
    normalizer = _create(TextNormalizer)
    message = Message(data={"text": "um snd 50 2 tom"})
    shortcut = Message(data={"text": "/check_balance"})
    empty = Message(data={"intent": "greet"})
    normalizer.process([message, shortcut, empty])
    normalizer.process([message])
    assert message.get("text") == "send 50 to tom"
    assert message.get("original_text") == "um snd 50 2 tom"
    assert shortcut.get("text") == "/check_balance"
    assert empty.get("text") is None


def test_text_normalizer_moves_training_entity_annotations() -> None:
    normalizer = _create(TextNormalizer)
    text = "pls xfer 50 from sav 2 tom"
    entities = [
        {"entity": "account", "start": 17, "end": 20, "value": "sav"},
        {"entity": "payee", "start": 23, "end": 26, "value": "tom"},
        {"entity": "amount", "start": 9, "end": 11, "value": "fifty"},
    ]
    message = Message(data={"text": text, "intent": "transfer_money", "entities": entities})
    normalizer.process_training_data(TrainingData([message]))
    normalized = message.get("text")
    assert normalized == "please transfer 50 from savings 2 tom"
    moved = {e["entity"]: e for e in message.get("entities")}
    assert normalized[moved["account"]["start"] : moved["account"]["end"]] == "savings"
    assert moved["account"]["value"] == "savings"  # the value followed the respelling
    assert normalized[moved["payee"]["start"] : moved["payee"]["end"]] == "tom"
    assert moved["amount"]["value"] == "fifty"  # an explicit value is kept


def test_entity_extractor_with_metadata_payees() -> None:
    extractor = _create(BankEntityExtractor)
    existing = {"entity": "other", "start": 0, "end": 3, "value": "pay", "extractor": "X"}
    text = "pay my daughter two hundred and fifty dollars from savings since monday"
    message = Message(
        data={
            "text": text,
            "entities": [existing],
            "metadata": {"payees": PAYEES, "today": "2024-05-15"},
        }
    )
    extractor.process([message])
    entities = message.get("entities")
    assert entities[0] == existing
    ours = {e["entity"]: e for e in entities[1:]}
    assert set(ours) == {"payee", "amount", "account", "date_range"}
    assert all(e["extractor"] == "BankEntityExtractor" for e in entities[1:])
    assert ours["payee"]["value"] == "Linda"
    assert text[ours["payee"]["start"] : ours["payee"]["end"]] == "daughter"
    assert ours["amount"]["value"] == {"minor_units": 25000, "currency": "USD"}
    assert ours["account"]["value"] == "savings"
    assert ours["account"]["role"] == "from"
    assert ours["date_range"]["value"] == {"start": "2024-05-13", "end": "2024-05-15"}
    assert "entities" in message.as_dict(only_output_properties=True)


def test_metadata_entity_extractor_adds_the_named_keys_that_hold_a_text() -> None:
    extractor = _create(MetadataEntityExtractor, {"keys": ["language", "locale", "channel"]})
    existing = {"entity": "amount", "start": 5, "end": 7, "value": "20", "extractor": "X"}
    metadata = {"language": "eo", "locale": "eo_001", "channel": "", "payees": PAYEES}
    message = Message(data={"text": "send 20", "entities": [existing], "metadata": metadata})
    extractor.process([message])
    assert message.get("entities") == [
        existing,
        {"entity": "language", "value": "eo", "extractor": "MetadataEntityExtractor"},
        {"entity": "locale", "value": "eo_001", "extractor": "MetadataEntityExtractor"},
    ]
    assert "entities" in message.as_dict(only_output_properties=True)


def test_metadata_entity_extractor_adds_nothing_without_those_keys() -> None:
    extractor = _create(MetadataEntityExtractor, {"keys": ["language"]})
    bare = Message(data={"text": "hello"})
    other = Message(data={"text": "hello", "metadata": {"locale": "en_US", "language": 3}})
    extractor.process([bare, other])
    assert bare.get("entities") is None and other.get("entities") is None
    unconfigured = _create(MetadataEntityExtractor)
    message = Message(data={"text": "hello", "metadata": {"language": "en"}})
    unconfigured.process([message])
    assert message.get("entities") is None


def test_entity_extractor_without_metadata_uses_the_raw_span() -> None:
    extractor = _create(BankEntityExtractor, {"default_currency": "GBP"})
    message = Message(data={"text": "send 20 to green valley feed"})
    extractor.process([message])
    values = {e["entity"]: e["value"] for e in message.get("entities")}
    assert values == {
        "amount": {"minor_units": 2000, "currency": "GBP"},
        "payee": "green valley feed",
    }


def _training_data() -> TrainingData:
    return TrainingData(
        [
            Message(data={"text": text, "intent": intent})
            for intent, texts in TRAINING.items()
            for text in texts
        ]
    )


def test_tfidf_classifier_trains_persists_loads_and_predicts(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("tfidf")
    config = {**TfidfIntentClassifier.get_default_config(), "ranking_length": 3}
    classifier = TfidfIntentClassifier.create(config, storage, resource, _context("tfidf"))
    assert classifier.train(_training_data()) == resource

    loaded = TfidfIntentClassifier.load(config, storage, resource, _context("tfidf"))
    texts = ["what is my balance please", "send 75 to linda", "my card is stolen", "hello"]
    messages = [Message(data={"text": t}) for t in texts]
    loaded.process(messages)
    predicted = [m.get("intent")["name"] for m in messages]
    assert predicted == ["check_balance", "transfer_money", "freeze_card", "greet"]
    for message in messages:
        ranking = message.get("intent_ranking")
        assert len(ranking) == 3
        assert ranking[0] == message.get("intent")
        confidences = [r["confidence"] for r in ranking]
        assert confidences == sorted(confidences, reverse=True)
        assert 0.0 < sum(confidences) <= 1.0 + 1e-9
    assert messages[0].get("intent")["confidence"] > 0.5

    original = TfidfIntentClassifier.create(config, storage, resource, _context("tfidf"))
    original._model = classifier._model  # same predictions before and after persisting
    again = [Message(data={"text": t}) for t in texts]
    original.process(again)
    assert [m.get("intent") for m in again] == [m.get("intent") for m in messages]


def test_tfidf_classifier_is_unsure_about_gibberish(tmp_path: Path) -> None:
    classifier = _create(TfidfIntentClassifier, storage_path=tmp_path)
    classifier.train(_training_data())
    message = Message(data={"text": "zxq vbnm plok"})
    classifier.process([message])
    assert message.get("intent")["confidence"] < 0.5


def test_tfidf_classifier_without_training_leaves_messages_alone(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    config = TfidfIntentClassifier.get_default_config()
    loaded = TfidfIntentClassifier.load(config, storage, Resource("missing"), _context())
    message = Message(data={"text": "hello"})
    loaded.process([message])
    assert message.get("intent") is None


def test_the_pipeline_config_validates_as_a_rasa_graph() -> None:
    config = {
        "recipe": "default.v1",
        "language": "en",
        "pipeline": [
            {"name": "nlu.components.TextNormalizer"},
            {"name": "WhitespaceTokenizer"},
            {"name": "nlu.components.BankEntityExtractor"},
            {"name": "nlu.components.TfidfIntentClassifier", "C": 1.0, "ranking_length": 10},
            {"name": "FallbackClassifier", "threshold": 0.4},
            {"name": "nlu.components.MetadataEntityExtractor", "keys": ["language"]},
        ],
    }
    graph = DefaultV1Recipe().graph_config_for_recipe(
        config, cli_parameters={}, training_type=TrainingType.NLU
    )
    validate(graph)
    assert any(n.uses is TfidfIntentClassifier for n in graph.train_schema.nodes.values())
    assert any(n.uses is BankEntityExtractor for n in graph.predict_schema.nodes.values())
    assert any(n.uses is MetadataEntityExtractor for n in graph.predict_schema.nodes.values())


@pytest.mark.parametrize("ranking_length", [0, 2])
def test_ranking_length(tmp_path: Path, ranking_length: int) -> None:
    classifier = _create(
        TfidfIntentClassifier, {"ranking_length": ranking_length}, storage_path=tmp_path
    )
    classifier.train(_training_data())
    message = Message(data={"text": "balance"})
    classifier.process([message])
    expected = len(TRAINING) if ranking_length == 0 else ranking_length
    assert len(message.get("intent_ranking")) == expected


def test_fingerprints_follow_the_code() -> None:
    normalizer = TextNormalizer.fingerprint_addon({})
    classifier = TfidfIntentClassifier.fingerprint_addon({})
    assert normalizer and classifier and normalizer != classifier
    assert TextNormalizer.fingerprint_addon({}) == normalizer


def test_classifier_text_masks_numbers() -> None:
    assert prepare("Send 75 or fifty five dollars") == "send 00 or 0 0 dollars"
    assert prepare("which one") == "which one"
