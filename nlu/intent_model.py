"""TF-IDF + linear SVM intent model with calibrated confidences (no Rasa import).

Word 1-2-grams and char_wb 2-5-grams (sublinear tf) feed a ``LinearSVC`` with balanced
class weights. Confidences are a softmax over the SVM decision scores plus a fixed
"none of these" score of 0 (the SVM's own decision boundary), with a temperature fitted
on out-of-fold scores of the training data. In-domain messages get high confidences;
text unlike any intent gets low ones for every intent, so a FallbackClassifier
threshold of 0.3-0.5 separates them. Confidences therefore sum to at most 1.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from nlu.numbers import NUMBER_WORDS

META_FILE = "intent_model.json"
ARRAYS_FILE = "intent_model.npz"
_DIGIT = re.compile(r"\d")
_NUMBER_WORD = re.compile(
    r"\b(?:" + "|".join(sorted(NUMBER_WORDS - {"one"}, key=len, reverse=True)) + r")\b"
)
_WORDS = r"(?u)\b\w+\b|[$£€]"  # keeps one-letter words and currency symbols


def prepare(text: str) -> str:
    """Lower-case and mask numbers so "send 50" and "send fifty five" look alike."""
    masked = _DIGIT.sub("0", text.lower())
    return _NUMBER_WORD.sub("0", masked)


class IntentModel:
    """Train, rank, save and load the intent classifier."""

    def __init__(self, c: float = 1.0, folds: int = 5, random_state: int = 42) -> None:
        self.c = c
        self.folds = folds
        self.random_state = random_state
        self.pipeline: Pipeline | None = None
        self.classes: list[str] = []
        self.temperature = 1.0

    def _new_pipeline(self) -> Pipeline:
        features = FeatureUnion(
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
        svm = LinearSVC(C=self.c, class_weight="balanced", random_state=self.random_state)
        return Pipeline([("features", features), ("svm", svm)])

    def fit(self, texts: list[str], labels: list[str]) -> IntentModel:
        """Train on ``texts`` (already normalised) with their intent ``labels``."""
        prepared = [prepare(t) for t in texts]
        self.classes = sorted(set(labels))
        if len(self.classes) < 2:
            self.pipeline = None  # one intent: always that intent
            return self
        y = np.array(labels)
        self.pipeline = self._new_pipeline().fit(prepared, y)
        self.classes = [str(c) for c in self.pipeline.classes_]
        self.temperature = self._fit_temperature(prepared, y)
        return self

    def _fit_temperature(self, texts: list[str], y: np.ndarray) -> float:
        """Temperature that minimises the log-loss of out-of-fold softmax scores."""
        _, counts = np.unique(y, return_counts=True)
        splits = min(self.folds, int(counts.min()))
        if splits < 2:
            return 1.0
        scores = np.zeros((len(texts), len(self.classes)))
        folds = StratifiedKFold(n_splits=splits, shuffle=True, random_state=self.random_state)
        data = np.array(texts, dtype=object)
        for train, test in folds.split(data, y):
            fold = clone(self._new_pipeline()).fit(list(data[train]), y[train])
            scores[test] = _scores(fold, list(data[test]))
        target = np.searchsorted(np.array(self.classes), y)

        def loss(log_t: float) -> float:
            probs = _confidences(scores, float(np.exp(log_t)))
            return float(-np.mean(np.log(probs[np.arange(len(y)), target] + 1e-12)))

        result = minimize_scalar(loss, bounds=(np.log(0.02), np.log(10.0)), method="bounded")
        return float(np.exp(result.x))

    def rank(self, texts: list[str]) -> list[list[tuple[str, float]]]:
        """For each text, all intents with confidences, best first."""
        if not self.classes:
            return [[] for _ in texts]
        if self.pipeline is None:
            return [[(self.classes[0], 1.0)] for _ in texts]
        scores = _scores(self.pipeline, [prepare(t) for t in texts])
        probs = _confidences(scores, self.temperature)
        rankings = []
        for row in probs:
            order = np.argsort(-row)
            rankings.append([(self.classes[i], float(row[i])) for i in order])
        return rankings

    def save(self, directory: Path) -> None:
        """Write the model into ``directory`` as JSON and NumPy arrays (no pickle)."""
        meta: dict[str, object] = {
            "classes": self.classes,
            "temperature": self.temperature,
            "c": self.c,
        }
        if self.pipeline is not None:
            word, char, svm = _parts(self.pipeline)
            meta["word_vocabulary"] = {k: int(v) for k, v in word.vocabulary_.items()}
            meta["char_vocabulary"] = {k: int(v) for k, v in char.vocabulary_.items()}
            np.savez(
                directory / ARRAYS_FILE,
                word_idf=word.idf_,
                char_idf=char.idf_,
                coef=svm.coef_,
                intercept=svm.intercept_,
            )
        (directory / META_FILE).write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> IntentModel:
        """Read a model written by :meth:`save`."""
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        model = cls(c=float(meta.get("c", 1.0)))
        model.classes = [str(c) for c in meta["classes"]]
        model.temperature = float(meta["temperature"])
        if "word_vocabulary" in meta:
            with np.load(directory / ARRAYS_FILE, allow_pickle=False) as arrays:
                pipeline = model._new_pipeline()
                word, char, svm = _parts(pipeline)
                word.vocabulary_ = meta["word_vocabulary"]
                word.idf_ = arrays["word_idf"]
                char.vocabulary_ = meta["char_vocabulary"]
                char.idf_ = arrays["char_idf"]
                svm.coef_ = arrays["coef"]
                svm.intercept_ = arrays["intercept"]
                svm.classes_ = np.array(model.classes)
            model.pipeline = pipeline
        return model


def _parts(pipeline: Pipeline) -> tuple[TfidfVectorizer, TfidfVectorizer, LinearSVC]:
    transformers = dict(pipeline.named_steps["features"].transformer_list)
    return transformers["word"], transformers["char"], pipeline.named_steps["svm"]


def _scores(pipeline: Pipeline, texts: list[str]) -> np.ndarray:
    scores = np.asarray(pipeline.decision_function(texts), dtype=float)
    if scores.ndim == 1:  # two classes: sklearn gives one column
        scores = np.column_stack([-scores, scores]) / 2
    return scores


def _confidences(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Softmax over ``scores / temperature`` and a "none of these" column of 0, dropped."""
    logits = np.column_stack([scores / temperature, np.zeros(len(scores))])
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return (exp / exp.sum(axis=1, keepdims=True))[:, :-1]
