"""Hand-made BIO labels for Kiwi sentences in the tag-stage tests, one tokenized sentence, and a real
model whose span labels are set by the test."""

from __future__ import annotations

import pandas as pd


def bio_labels(sent, spans: dict[str, str]) -> list[str]:
    """Labels from {form: kind} with B- on the first morpheme of each run of the same kind."""
    labels, prev = [], None
    for form in sent.forms:
        kind = spans.get(form)
        labels.append("O" if kind is None else ("I-" if prev == kind else "B-") + kind)
        prev = kind
    return labels


def one_sentence(kiwi, text: str):
    """The tokenize stage's row (a namedtuple: forms, tags, lemmas, starts, lens, ...) of a one-sentence text."""
    [s] = list(kiwi(pd.DataFrame({"record_id": ["r0"], "text": [text]})).itertuples())
    return s


def with_span_labels(model, labels: list[str], confidence: float = 0.9):
    """``model`` (a loaded tagger) for one-sentence inputs: its own sentiment, its spans replaced by ``labels``."""

    class SetLabels:
        path = model.path

        def predict(self, inputs):
            out = model.predict(inputs)
            out.labels_of = lambda i: labels
            out.confidence_of = lambda i: [confidence] * len(labels)
            out.has_span = lambda: [True]
            return out

    return SetLabels()
