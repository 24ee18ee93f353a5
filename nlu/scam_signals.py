"""Scam signals in the customer's words: a multi-label TF-IDF model (no Rasa import).

One message can carry several signals ("send 2000 to Tom, my grandson needs bail and don't tell
his mum": a relative in trouble and secrecy) or none (almost every message). The signals are
learned from the ``scam_signals`` metadata of annotated training examples in ``data/``; every
example without it is a negative, so ordinary requests ("send 50 to Tom for his birthday")
teach the model what carries no signal.

Word 1-2-grams and char_wb 2-5-grams (sublinear tf, numbers masked as in
:func:`nlu.intent_model.prepare`) feed one balanced logistic regression per signal
(one-vs-rest); a signal is present when its probability reaches ``threshold``. The model is
saved as JSON and NumPy arrays, never pickled.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from nlu.intent_model import _WORDS, prepare

META_FILE = "scam_signals.json"
ARRAYS_FILE = "scam_signals.npz"

#: The signal families, in the order they are reported.
SIGNALS: tuple[str, ...] = (
    "told_by_caller",  # someone on the phone told them to move money
    "safe_account",  # move money to keep it "safe"
    "gift_cards",  # pay with gift cards or vouchers
    "crypto",  # buy or send crypto currency
    "relative_in_trouble",  # a grandchild or relative needing bail, a lawyer, a hospital
    "impersonation",  # a caller claiming to be the police, the bank or the tax office
    "remote_access",  # an app to let someone into their computer or phone
    "secrecy",  # told to keep it secret
    "urgency",  # pressure to hurry
)


def example_signals(metadata: object) -> list[str]:
    """The known signals an annotated example names (``{"scam_signals": [...]}``); [] for
    none. An unknown name is an error in the training data, so it raises ``ValueError``."""
    if not isinstance(metadata, dict):
        return []
    names = metadata.get("scam_signals") or []
    if isinstance(names, str):
        names = [names]
    unknown = [name for name in names if name not in SIGNALS]
    if unknown:
        raise ValueError(f"unknown scam signal(s) {unknown}; known: {', '.join(SIGNALS)}")
    return [name for name in SIGNALS if name in names]


class ScamSignalModel:
    """Train, predict, save and load the multi-label signal model."""

    def __init__(self, c: float = 4.0, threshold: float = 0.5) -> None:
        self.c = c
        self.threshold = threshold
        self.features: FeatureUnion | None = None
        self.labels: list[str] = []
        self.coef = np.zeros((0, 0))
        self.intercept = np.zeros(0)

    @staticmethod
    def _new_features() -> FeatureUnion:
        return FeatureUnion(
            [
                (
                    "word",
                    TfidfVectorizer(
                        analyzer="word",
                        ngram_range=(1, 2),
                        sublinear_tf=True,
                        token_pattern=_WORDS,
                    ),
                ),
                (
                    "char",
                    TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
                ),
            ]
        )

    def fit(self, texts: list[str], signals: list[list[str]]) -> ScamSignalModel:
        """Train on ``texts`` (already normalised), each with its list of signals ([] for
        none). A signal no example carries is left out (never predicted)."""
        prepared = [prepare(t) for t in texts]
        self.labels = [s for s in SIGNALS if any(s in found for found in signals)]
        if not self.labels or not prepared:
            self.features = None
            return self
        self.features = self._new_features()
        matrix = self.features.fit_transform(prepared)
        coefs, intercepts = [], []
        for label in self.labels:
            y = np.array([label in found for found in signals], dtype=int)
            model = LogisticRegression(
                C=self.c, class_weight="balanced", max_iter=1000, solver="liblinear"
            ).fit(matrix, y)
            coefs.append(model.coef_[0])
            intercepts.append(model.intercept_[0])
        self.coef = np.vstack(coefs)
        self.intercept = np.array(intercepts)
        return self

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """One row per text, one column per label in ``self.labels``."""
        if self.features is None or not texts:
            return np.zeros((len(texts), len(self.labels)))
        matrix = self.features.transform([prepare(t) for t in texts])
        scores = np.asarray(matrix @ self.coef.T) + self.intercept
        return 1.0 / (1.0 + np.exp(-scores))

    def predict(self, texts: list[str]) -> list[list[tuple[str, float]]]:
        """For each text, the signals it carries with their probability, in ``SIGNALS``
        order ([] for none)."""
        found = []
        for row in self.probabilities(texts):
            found.append(
                [(label, float(p)) for label, p in zip(self.labels, row) if p >= self.threshold]
            )
        return found

    def save(self, directory: Path) -> None:
        """Write the model into ``directory`` as JSON and NumPy arrays (no pickle)."""
        meta: dict[str, object] = {"labels": self.labels, "c": self.c, "threshold": self.threshold}
        if self.features is not None:
            word, char = _parts(self.features)
            meta["word_vocabulary"] = {k: int(v) for k, v in word.vocabulary_.items()}
            meta["char_vocabulary"] = {k: int(v) for k, v in char.vocabulary_.items()}
            np.savez(
                directory / ARRAYS_FILE,
                word_idf=word.idf_,
                char_idf=char.idf_,
                coef=self.coef,
                intercept=self.intercept,
            )
        (directory / META_FILE).write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> ScamSignalModel:
        """Read a model written by :meth:`save`."""
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        model = cls(c=float(meta.get("c", 4.0)), threshold=float(meta.get("threshold", 0.5)))
        model.labels = [str(label) for label in meta["labels"]]
        if "word_vocabulary" in meta:
            with np.load(directory / ARRAYS_FILE, allow_pickle=False) as arrays:
                features = cls._new_features()
                word, char = _parts(features)
                word.vocabulary_ = meta["word_vocabulary"]
                word.idf_ = arrays["word_idf"]
                char.vocabulary_ = meta["char_vocabulary"]
                char.idf_ = arrays["char_idf"]
                model.coef = arrays["coef"]
                model.intercept = arrays["intercept"]
            model.features = features
        return model


def _parts(features: FeatureUnion) -> tuple[TfidfVectorizer, TfidfVectorizer]:
    transformers = dict(features.transformer_list)
    return transformers["word"], transformers["char"]
