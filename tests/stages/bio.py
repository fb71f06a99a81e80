"""Hand-made BIO labels for Kiwi sentences in the tag-stage tests, and one tokenized sentence."""

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
