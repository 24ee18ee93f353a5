"""Rasa 3.6 graph components: text normaliser, entity extractors, TF-IDF intents.

Pipeline (``config.yml``)::

    pipeline:
      - name: nlu.components.TextNormalizer
      - name: WhitespaceTokenizer
      - name: nlu.components.BankEntityExtractor
      - name: nlu.components.ScamSignalClassifier
      - name: nlu.components.TfidfIntentClassifier
      - name: FallbackClassifier
        threshold: 0.4
      - name: nlu.components.MetadataEntityExtractor
        keys: [language, locale]

The logic lives in the Rasa-free modules of this package; these classes are the glue.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_CONFIDENCE,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    INTENT,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu import (
    english_words,
    intent_model,
    lexicon,
    normalize,
    numbers,
    scam_signals,
    value_answers,
)
from nlu.entities import extract_entities
from nlu.intent_model import IntentModel
from nlu.normalize import map_span, normalize_with_alignment
from nlu.scam_signals import ScamSignalModel, example_signals

logger = logging.getLogger(__name__)

ORIGINAL_TEXT = "original_text"
METADATA = "metadata"
SCAM_SIGNAL = "scam_signal"


def _source_fingerprint(*modules: ModuleType) -> str:
    """Hash of the modules' source, so that Rasa retrains when the rules change."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()


def _skip(text: Optional[str]) -> bool:
    """Empty texts and Rasa's ``/intent{...}`` shortcuts are left untouched."""
    return not text or text.lstrip().startswith("/")


class _WithoutOptions:
    """For a component with no options and no state: Rasa's two class hooks, once."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """No options."""
        return {}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Any:
        """Creates the component."""
        return cls()


class _WithOptions:
    """For a component configured by its options over ``get_default_config()`` and nothing
    else: Rasa's ``create`` hook and the merge, once. ``self._config`` holds the options."""

    def __init__(self, config: Dict[str, Any]) -> None:
        """Creates the component with ``config`` over the defaults."""
        self._config = {**self.get_default_config(), **config}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Any:
        """Creates the component."""
        return cls(config)


class _TrainedModel:
    """For a component that trains one model (``MODEL``: a class with ``save(directory)`` and
    ``load(directory)``) and keeps it in its resource: the constructor, Rasa's ``create`` and
    ``load`` hooks, ``persist`` and the package it needs, once."""

    MODEL: Any = None

    @staticmethod
    def required_packages() -> List[str]:
        """Python packages this component needs."""
        return ["sklearn"]

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Any = None,
    ) -> None:
        """Creates the component (untrained unless ``model`` is given)."""
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Any:
        """Creates an untrained component."""
        return cls(config, model_storage, resource)

    def persist(self) -> None:
        """Writes the trained model into this component's resource."""
        if self._model is None:
            return
        with self._model_storage.write_to(self._resource) as directory:
            self._model.save(directory)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> Any:
        """Loads a trained component (an untrained one if nothing was persisted)."""
        try:
            with model_storage.read_from(resource) as directory:
                model = cls.MODEL.load(directory)
        except (ValueError, FileNotFoundError) as error:
            logger.warning("Could not load %s: %s", cls.__name__, error)
            model = None
        return cls(config, model_storage, resource, model)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class TextNormalizer(_WithoutOptions, GraphComponent):
    """Rewrites the message text with :func:`nlu.normalize.normalize`; put it first.

    The text as received is kept under ``original_text``. Entity annotations in
    training examples are moved to the matching place in the normalised text.
    """

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """Changes whenever the normalisation code or word tables change."""
        return _source_fingerprint(normalize, lexicon, english_words, numbers)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Normalises every training example (and moves its entity annotations)."""
        for message in training_data.training_examples:
            self._normalize(message)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Normalises incoming user messages."""
        for message in messages:
            self._normalize(message)
        return messages

    @staticmethod
    def _normalize(message: Message) -> None:
        text = message.get(TEXT)
        if _skip(text) or message.get(ORIGINAL_TEXT) is not None:
            return
        normalized, alignment = normalize_with_alignment(text)
        message.set(ORIGINAL_TEXT, text, add_to_output=True)
        message.set(TEXT, normalized)
        entities = message.get(ENTITIES)
        if not entities:
            return
        moved = []
        for entity in entities:
            span = map_span(alignment, entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END])
            if span is None:
                continue
            old = text[entity[ENTITY_ATTRIBUTE_START] : entity[ENTITY_ATTRIBUTE_END]]
            new_entity = {**entity, ENTITY_ATTRIBUTE_START: span[0], ENTITY_ATTRIBUTE_END: span[1]}
            if entity.get(ENTITY_ATTRIBUTE_VALUE) == old:
                new_entity[ENTITY_ATTRIBUTE_VALUE] = normalized[span[0] : span[1]]
            moved.append(new_entity)
        message.set(ENTITIES, moved)


@lru_cache(maxsize=1)
def _blank_english() -> Any:
    """A blank spaCy English pipeline (tokenizer only), created once."""
    import spacy

    return spacy.blank("en")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class BankEntityExtractor(_WithOptions, GraphComponent, EntityExtractorMixin):
    """Adds ``amount``, ``account``, ``payee`` and ``date_range`` entities.

    Saved payees come from the message metadata (``{"payees": [{"name", "aliases"}]}``);
    ``metadata["currency"]`` and ``metadata["today"]`` (ISO date) override the defaults.
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Default currency, payee match threshold (0-100), metadata key for payees."""
        return {"default_currency": "USD", "payee_threshold": 80.0, "payees_key": "payees"}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> BankEntityExtractor:
        """Creates the component and warms it up (spaCy, dateparser) for the first call."""
        component = super().create(config, model_storage, resource, execution_context)
        _snap_to_tokens("", [])
        extract_entities("send 5 dollars to tom on the 3rd of march")
        return component

    def process(self, messages: List[Message]) -> List[Message]:
        """Extracts the entities of each message and appends them to its entities."""
        for message in messages:
            text = message.get(TEXT)
            if _skip(text):
                continue
            metadata = message.get(METADATA) or {}
            found = extract_entities(
                text,
                payees=metadata.get(self._config["payees_key"]) or [],
                today=_date_or_none(metadata.get("today")),
                default_currency=metadata.get("currency") or self._config["default_currency"],
                payee_threshold=float(self._config["payee_threshold"]),
            )
            found = self.add_extractor_name(_snap_to_tokens(text, found))
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class MetadataEntityExtractor(_WithOptions, GraphComponent, EntityExtractorMixin):
    """Adds an entity for each configured ``keys`` name whose message metadata is a text.

    ``{"metadata": {"language": "en"}}`` with ``keys: [language]`` adds the entity
    ``{"entity": "language", "value": "en"}`` (no span: it is not in the text), so a slot with a
    ``from_entity`` mapping is filled in-process on every message that carries it; a message
    without it adds nothing and leaves such a slot as it was.
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """``keys``: the metadata keys to copy into entities of the same name."""
        return {"keys": []}

    def process(self, messages: List[Message]) -> List[Message]:
        """Appends the configured metadata values of each message to its entities."""
        for message in messages:
            metadata = message.get(METADATA) or {}
            found = [
                {ENTITY_ATTRIBUTE_TYPE: key, ENTITY_ATTRIBUTE_VALUE: metadata[key]}
                for key in self._config["keys"]
                if isinstance(metadata.get(key), str) and metadata[key]
            ]
            if found:
                found = self.add_extractor_name(found)
                message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages


def _date_or_none(value: Any) -> Optional[date]:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _snap_to_tokens(text: str, entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Widen spans to whole spaCy tokens and drop any that would overlap."""
    from spacy.util import filter_spans

    doc = _blank_english().make_doc(text)
    spans = []
    for index, entity in enumerate(entities):
        span = doc.char_span(
            entity[ENTITY_ATTRIBUTE_START],
            entity[ENTITY_ATTRIBUTE_END],
            label=str(index),
            alignment_mode="expand",
        )
        if span is not None:
            spans.append(span)
    kept = []
    for span in sorted(filter_spans(spans), key=lambda s: s.start_char):
        entity = dict(entities[int(span.label_)])
        entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END] = (
            span.start_char,
            span.end_char,
        )
        kept.append(entity)
    return kept


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TfidfIntentClassifier(_TrainedModel, GraphComponent, IntentClassifier):
    """Intent classifier: TF-IDF word + char n-grams into a calibrated linear SVM."""

    MODEL = IntentModel

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """``C`` of the SVM, ``ranking_length`` (0 = all), folds for calibration."""
        return {"C": 1.0, "ranking_length": 10, "calibration_folds": 5, "random_state": 42}

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """Changes whenever the model code changes."""
        return _source_fingerprint(intent_model, numbers)

    def train(self, training_data: TrainingData) -> Resource:
        """Trains on the (normalised) text of the intent examples and persists."""
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            logger.debug("No intent examples: %s is not trained.", type(self).__name__)
            return self._resource
        self._model = IntentModel(
            c=float(self._config["C"]),
            folds=int(self._config["calibration_folds"]),
            random_state=int(self._config["random_state"]),
        ).fit([e.get(TEXT) for e in examples], [e.get(INTENT) for e in examples])
        self.persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        """Sets ``intent`` and ``intent_ranking`` on each message with text."""
        if self._model is None:
            return messages
        with_text = [m for m in messages if m.get(TEXT)]
        rankings = self._model.rank([m.get(TEXT) for m in with_text])
        length = int(self._config["ranking_length"])
        for message, ranking in zip(with_text, rankings, strict=True):
            if not ranking:
                continue
            entries = [{"name": name, "confidence": conf} for name, conf in ranking]
            message.set(INTENT, entries[0], add_to_output=True)
            message.set(
                INTENT_RANKING_KEY, entries[:length] if length > 0 else entries, add_to_output=True
            )
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ValueAnswerClassifier(_WithoutOptions, GraphComponent, IntentClassifier):
    """After the other classifiers: a message carrying an amount is an answer (``inform``).

    See :mod:`nlu.value_answers`. The intent it replaces stays in the ranking.
    """

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """Changes whenever the rule changes."""
        return _source_fingerprint(value_answers)

    def process(self, messages: List[Message]) -> List[Message]:
        """Re-labels answers that carry an amount as ``inform``."""
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name")
            text = message.get(TEXT) or ""
            new = value_answers.answer_intent(intent, message.get(ENTITIES) or [], text)
            if new is None:
                continue
            confidence = (message.get(INTENT) or {}).get("confidence", 1.0)
            message.set(INTENT, {"name": new, "confidence": confidence}, add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class ScamSignalClassifier(_TrainedModel, GraphComponent, EntityExtractorMixin):
    """Adds one ``scam_signal`` entity (no span: it is the message's, not a word's) for each
    scam signal the message carries (:mod:`nlu.scam_signals`), with its probability as the
    confidence. Trained on the ``scam_signals`` metadata of annotated examples
    (``metadata: {scam_signals: [relative_in_trouble]}``); every other example is a negative.
    """

    MODEL = ScamSignalModel

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """``C`` of each logistic regression and the probability a signal needs."""
        return {"C": 4.0, "threshold": 0.5}

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """Changes whenever the model code changes."""
        return _source_fingerprint(scam_signals, intent_model, numbers)

    def train(self, training_data: TrainingData) -> Resource:
        """Trains on the (normalised) text of every example and its annotated signals."""
        examples = [e for e in training_data.training_examples if e.get(TEXT)]
        labels = [example_signals((e.get(METADATA) or {}).get("example")) for e in examples]
        self._model = ScamSignalModel(
            c=float(self._config["C"]), threshold=float(self._config["threshold"])
        ).fit([e.get(TEXT) for e in examples], labels)
        self.persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        """Appends a ``scam_signal`` entity per signal found to each message with text."""
        if self._model is None:
            return messages
        with_text = [m for m in messages if not _skip(m.get(TEXT))]
        found = self._model.predict([m.get(TEXT) for m in with_text])
        for message, signals in zip(with_text, found, strict=True):
            if not signals:
                continue
            entities = self.add_extractor_name(
                [
                    {
                        ENTITY_ATTRIBUTE_TYPE: SCAM_SIGNAL,
                        ENTITY_ATTRIBUTE_VALUE: name,
                        ENTITY_ATTRIBUTE_CONFIDENCE: round(probability, 3),
                    }
                    for name, probability in signals
                ]
            )
            message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
        return messages
