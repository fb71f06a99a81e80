"""Model span labels fused with the lexicon's (``model.span_fusion``, docs/model.md "Span fusion")."""

from __future__ import annotations

#: how the model's morpheme labels and the lexicon's (``models.weak.weak_spans``) are fused (config
#: ``model.span_fusion``, docs/model.md "Span fusion"): ``model`` = the model's only; ``fill`` = plus
#: every lexicon aspect span on morphemes the model left all O; ``lexicon_aspects`` = the model's
#: aspects replaced by the lexicon's, its opinions kept; ``union`` = ``fill`` plus the lexicon's
#: opinion spans on morphemes the model left all O.
SPAN_FUSIONS = ("model", "fill", "lexicon_aspects", "union")
#: the confidence of a morpheme labelled by the lexicon (a rule has no probability; 0.5 ranks it
#: below a confident model span when examples are chosen by confidence)
LEXICON_CONFIDENCE = 0.5
_FUSION_KINDS = {"fill": ("ASP",), "lexicon_aspects": ("ASP",), "union": ("ASP", "NEG", "POS")}


def _bio_spans(labels) -> list[tuple[str, int, int]]:
    """(kind, first, end_exclusive) of each BIO span; a stray I- starts one (models are not always
    well-formed)."""
    out: list[tuple[str, int, int]] = []
    kind: str | None = None
    first = 0
    for i, label in enumerate([*labels, "O"]):
        tag, _, cls = label.partition("-")
        continues = tag == "I" and cls == kind
        if kind is not None and not continues:
            out.append((kind, first, i))
            kind = None
        if tag in ("B", "I") and not continues:
            kind, first = cls, i
    return out


def fuse_span_labels(model_labels, lexicon_labels, mode: str,
                     confidence=None) -> tuple[list[str], list[float]]:
    """One sentence's model BIO labels fused with the lexicon's under ``mode`` (SPAN_FUSIONS).

    The one fusion the pipeline (``Tagger``) and ``models.evaluate.span_eval`` both use. Model spans
    are never shortened or relabelled; under ``lexicon_aspects`` the model's aspect spans are
    dropped. A lexicon span is added whole, and only where every one of its morphemes is O after the
    model's spans are placed, so spans never overlap. Returns well-formed BIO labels and per-morpheme
    confidences (the model's, ``LEXICON_CONFIDENCE`` on lexicon-added morphemes; ``confidence`` None
    = 1.0 for the model's).
    """
    if mode not in SPAN_FUSIONS:
        raise ValueError(f"span_fusion must be one of {', '.join(SPAN_FUSIONS)}, not {mode!r}")
    n = len(model_labels)
    conf = [1.0] * n if confidence is None else [float(c) for c in confidence]
    if len(lexicon_labels) != n or len(conf) != n:
        raise ValueError("model labels, lexicon labels and confidences must have one entry per morpheme")
    spans = _bio_spans(model_labels)
    if mode == "model":
        added: list[tuple[str, int, int]] = []
    else:
        if mode == "lexicon_aspects":
            spans = [s for s in spans if s[0] != "ASP"]
        free = [True] * n
        for _, a, b in spans:
            free[a:b] = [False] * (b - a)
        kinds = _FUSION_KINDS[mode]
        added = []
        for kind, a, b in _bio_spans(lexicon_labels):
            if kind in kinds and all(free[a:b]):
                added.append((kind, a, b))
                free[a:b] = [False] * (b - a)
    labels = ["O"] * n
    for kind, a, b in spans + added:
        labels[a] = f"B-{kind}"
        labels[a + 1:b] = [f"I-{kind}"] * (b - a - 1)
    for _, a, b in added:
        conf[a:b] = [LEXICON_CONFIDENCE] * (b - a)
    return labels, conf
