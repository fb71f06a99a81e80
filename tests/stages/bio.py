"""Hand-made BIO labels for Kiwi sentences in the tag-stage tests."""

from __future__ import annotations


def bio_labels(sent, spans: dict[str, str]) -> list[str]:
    """Labels from {form: kind} with B- on the first morpheme of each run of the same kind."""
    labels, prev = [], None
    for form in sent.forms:
        kind = spans.get(form)
        labels.append("O" if kind is None else ("I-" if prev == kind else "B-") + kind)
        prev = kind
    return labels
