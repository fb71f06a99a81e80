"""Run the model over sentences: sentence sentiment, record sentiment, and mention spans.

The model labels each Kiwi morpheme (schema.SPAN_LABELS); this module turns those labels into
mentions: an opinion span (NEG -> pain, POS -> praise) paired with the aspect span it judges in the
same sentence, with lemmas and character offsets into the masked record text. The steps live in
``stages._tag`` (``fusion``: model + lexicon spans; ``opinion_fill``: opinions for aspects nothing
judged; ``mentions``: labels -> mentions) and are re-exported here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from voc_pipeline.schema import SENTIMENT_LABELS
from voc_pipeline.stages._tag.fusion import LEXICON_CONFIDENCE, SPAN_FUSIONS, fuse_span_labels
from voc_pipeline.stages._tag.mentions import (
    CONTENTLESS_ADVERBS,
    CONTENTLESS_OPINIONS,
    MENTION_FRAME_COLUMNS,
    SPAN_PAIRINGS,
    STOP_ASPECT_NOUNS,
    decode_spans,
    is_contentless_opinion,
    mentions_for_sentence,
    sentence_mentions,
)
from voc_pipeline.stages._tag.opinion_fill import (
    FILL_CONFIDENCE,
    OPINION_FILL_CONFIDENCE,
    OPINION_FILLS,
    confident_sentences,
    fill_opinion_labels,
)
from voc_pipeline.stages._tag.polarity import OPINION_POLARITIES, lexical_polarity, set_opinion_polarity

#: the tag stage's public names; the span fusion, the opinion fill and mention building live in
#: ``stages._tag`` (one module each) and are re-exported here
__all__ = [
    "CONTENTLESS_ADVERBS", "CONTENTLESS_OPINIONS", "FILL_CONFIDENCE", "LEXICON_CONFIDENCE", "MENTION_FRAME_COLUMNS",
    "OPINION_FILLS", "OPINION_FILL_CONFIDENCE", "OPINION_POLARITIES", "RECORD_PASSES", "SPAN_FUSIONS", "SPAN_PAIRINGS", "STOP_ASPECT_NOUNS",
    "Tagger", "confident_sentences", "decode_spans", "fill_opinion_labels", "fuse_span_labels", "fusion_lexicon",
    "is_contentless_opinion", "lexical_polarity", "mentions_for_sentence", "record_probabilities", "record_sentiment",
    "sentence_mentions", "set_opinion_polarity", "temper",
]

#: how records.sentiment comes from the model (config ``model.record_pass``): ``mean`` = the
#: length-weighted mean of the record's sentences; ``whole`` = one more model pass over the whole
#: record when it has 2+ sentences and fits the window (else the mean); ``blend`` = the average of the two.
RECORD_PASSES = ("mean", "whole", "blend")


def temper(probs: np.ndarray, temperature: float) -> np.ndarray:
    """p ∝ p^(1/T) per row (a temperature on the log-probabilities): every argmax is kept, T < 1
    sharpens, T > 1 flattens, T = 1 returns ``probs`` unchanged. Rows with a NaN stay NaN."""
    probs = np.asarray(probs, dtype="float64")
    if temperature == 1.0:
        return probs
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, not {temperature!r}")
    z = np.log(np.clip(probs, 1e-12, 1.0)) / temperature
    z = np.exp(z - z.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


class Tagger:
    """Stage wrapper: holds a loaded model and labels sentence frames from the tokenize stage;
    ``record_probabilities`` gives the records' probabilities under ``record_pass`` (RECORD_PASSES)."""

    def __init__(self, model, record_pass: str = "mean", span_fusion: str = "model", lexicon=None,
                 domain_yaml=None, span_pairing: str = "nearest", opinion_fill: str = "none",
                 opinion_fill_confidence: float = OPINION_FILL_CONFIDENCE, opinion_polarity: str = "none") -> None:
        if record_pass not in RECORD_PASSES:
            raise ValueError(f"record_pass must be one of {', '.join(RECORD_PASSES)}, not {record_pass!r}")
        if span_fusion not in SPAN_FUSIONS:
            raise ValueError(f"span_fusion must be one of {', '.join(SPAN_FUSIONS)}, not {span_fusion!r}")
        if span_pairing not in SPAN_PAIRINGS:
            raise ValueError(f"span_pairing must be one of {', '.join(SPAN_PAIRINGS)}, not {span_pairing!r}")
        if opinion_fill not in OPINION_FILLS:
            raise ValueError(f"opinion_fill must be one of {', '.join(OPINION_FILLS)}, not {opinion_fill!r}")
        if opinion_polarity not in OPINION_POLARITIES:
            raise ValueError(f"opinion_polarity must be one of {', '.join(OPINION_POLARITIES)}, "
                             f"not {opinion_polarity!r}")
        self.model = model
        self.opinion_polarity = opinion_polarity
        self.opinion_fill = opinion_fill
        self.opinion_fill_confidence = float(opinion_fill_confidence)
        self.span_pairing = span_pairing
        self.record_pass = record_pass
        self.span_fusion = span_fusion
        self.lexicon = lexicon
        if (span_fusion != "model" or opinion_polarity != "none") and lexicon is None:
            self.lexicon = fusion_lexicon(getattr(model, "path", None), domain_yaml)

    def __call__(self, sentences: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """sentences (tokenize frame) -> (sentences + sentiment columns, mentions frame)."""
        sentences = sentences.copy()
        if sentences.empty:
            for col in ("p_neg", "p_neu", "p_pos", "sentiment_score"):
                sentences[col] = pd.Series(dtype="float64")
            sentences["sentiment"] = pd.Series(dtype="object")
            return sentences, pd.DataFrame(columns=MENTION_FRAME_COLUMNS)
        inputs = [list(zip(f, t, strict=True)) for f, t in zip(sentences["forms"], sentences["tags"], strict=True)]
        out = self.model.predict(inputs)
        probs = np.asarray(out.sentiment, dtype="float64")
        sentences["p_neg"], sentences["p_neu"], sentences["p_pos"] = probs[:, 0], probs[:, 1], probs[:, 2]
        sentences["sentiment"] = [SENTIMENT_LABELS[i] for i in probs.argmax(axis=1)]
        sentences["sentiment_score"] = probs[:, 2] - probs[:, 0]
        rows: list[dict] = []
        # most sentences carry no span at all: only the others are decoded, morpheme by morpheme. A
        # fusion that adds only aspects cannot make a mention where the model tagged no span (a
        # mention needs an opinion), so it runs on the same sentences; ``union`` adds lexicon
        # opinions, so it looks at every sentence; an opinion fill also looks at the sentences whose
        # sentiment is confident (the only ones it can give an opinion).
        fusion, fill = self.span_fusion, self.opinion_fill
        if fusion == "union":
            with_spans = np.arange(len(sentences))
        elif fill != "none":
            with_spans = np.flatnonzero(out.has_span() | confident_sentences(probs, self.opinion_fill_confidence))
        else:
            with_spans = np.flatnonzero(out.has_span())
        if len(with_spans):
            cols = [sentences[c].to_numpy() for c in ("record_id", "sentence_index", "forms", "tags", "lemmas",
                                                       "starts", "lens")]
            if fusion != "model":
                from voc_pipeline.models.weak import weak_spans
            for i in with_spans:
                rid, idx, forms, tags, lemmas, starts, lens = (c[i] for c in cols)
                labels, confidence = out.labels_of(i), out.confidence_of(i)
                if fusion != "model":
                    lexicon_labels = weak_spans(list(zip(forms, tags, strict=True)), self.lexicon)
                    labels, confidence = fuse_span_labels(labels, lexicon_labels, fusion, confidence)
                before = labels
                if fill != "none":
                    labels, confidence = fill_opinion_labels(forms, tags, starts, lens, labels, probs[i], fill,
                                                             self.opinion_fill_confidence, confidence)
                if self.opinion_polarity != "none":
                    labels = set_opinion_polarity(forms, tags, labels, self.lexicon, self.opinion_polarity, before)
                rows.extend(mentions_for_sentence(rid, idx, forms, tags, lemmas, starts, lens, labels, confidence,
                                                  self.span_pairing))
        return sentences, pd.DataFrame(rows, columns=MENTION_FRAME_COLUMNS)

    def whole_records(self, sentences: pd.DataFrame) -> pd.DataFrame:
        """The whole-record pass: one more model sequence per record with two or more sentences whose
        morphemes (its sentences' (form, tag) lists concatenated in order) fit the model's window.

        Returns p_neg/p_neu/p_pos indexed by record_id, only for the records that got the pass (none
        under ``record_pass: mean``). A one-sentence record needs none: its sentence pass is its record pass.
        """
        empty = pd.DataFrame(columns=["p_neg", "p_neu", "p_pos"], dtype="float64")
        if self.record_pass == "mean" or sentences.empty:
            return empty
        codes, uniques = pd.factorize(sentences["record_id"], sort=False)
        sizes = np.bincount(codes)
        multi = np.flatnonzero(sizes >= 2)
        if not len(multi):
            return empty
        # a record's sentences in frame order (the tokenize stage writes them together, in order)
        order = np.argsort(codes, kind="stable")
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        forms, tags = sentences["forms"].to_numpy(), sentences["tags"].to_numpy()
        seqs = []
        for g in multi:
            seq: list[tuple[str, str]] = []
            for i in order[starts[g]:starts[g] + sizes[g]]:
                seq.extend(zip(forms[i], tags[i], strict=True))
            seqs.append(seq)
        fits = self.model.fits_window(seqs)
        ids = np.asarray(uniques)[multi[fits]]
        if not len(ids):
            return empty
        probs = np.asarray(self.model.predict([s for s, ok in zip(seqs, fits, strict=True) if ok]).sentiment,
                           dtype="float64")
        return pd.DataFrame(probs, index=pd.Index(ids, name="record_id"), columns=["p_neg", "p_neu", "p_pos"])

    @property
    def record_temperature(self) -> float:
        """The model directory's record temperature for this ``record_pass`` (config.json
        ``record_temperature``, {record_pass: T}, ``models.tagger.record_temperatures``); 1.0 when the
        directory has none for this pass: a temperature is applied only under the pass it was fitted for."""
        return float((getattr(self.model, "record_temperatures", None) or {}).get(self.record_pass, 1.0))

    def record_probabilities(self, record_ids: pd.Series | list, sentences: pd.DataFrame) -> np.ndarray:
        """(n, 3) record probabilities under ``record_pass`` from the tagged sentences (``__call__``'s
        frame), with the model's record temperature; ``record_sentiment`` labels with them,
        ``models.evaluate`` scores them (``--unit record``)."""
        return record_probabilities(record_ids, sentences, self.whole_records(sentences), self.record_pass,
                                    self.record_temperature)


def fusion_lexicon(model_dir=None, domain_yaml=None):
    """The lexicon a span fusion uses: the model directory's ``lexicon.yaml`` (the one its weak labels
    were made from; the package's when the directory has none) plus the domain's stage keywords."""
    from pathlib import Path

    from voc_pipeline.models.weak import Lexicon

    own = Path(model_dir) / "lexicon.yaml" if model_dir else None
    return Lexicon.load(own if own is not None and own.is_file() else None, domain_yaml=domain_yaml)


def record_probabilities(record_ids: pd.Series | list, sentences: pd.DataFrame,
                         whole: pd.DataFrame | None = None, record_pass: str = "mean",
                         temperature: float = 1.0) -> np.ndarray:
    """(n, 3) record probabilities (SENTIMENT_LABELS order); a row of NaN for a record with no sentence.

    The sentence mean: the record's sentence probabilities averaged, weighted by sentence length in
    morphemes (length weighting keeps a one-word "네" from outvoting the sentence that carries the
    complaint). ``whole``: the whole-record pass (``Tagger.whole_records``, p_neg/p_neu/p_pos by
    record_id) for the records that got one; ``record_pass`` (RECORD_PASSES) combines them:
    ``mean`` ignores it, ``whole`` takes it instead of the mean, ``blend`` averages the two. Records
    without a whole pass (one sentence, or beyond the model's window) keep the mean.
    ``temperature``: applied last, to every record's combined probabilities (``temper``: p ∝ p^(1/T),
    so no record's label moves; only the probabilities and records.sentiment_score do).
    """
    if record_pass not in RECORD_PASSES:
        raise ValueError(f"record_pass must be one of {', '.join(RECORD_PASSES)}, not {record_pass!r}")
    if sentences.empty:
        return np.full((len(record_ids), 3), np.nan)
    w = sentences["forms"].map(len).astype("float64")
    weighted = sentences[["p_neg", "p_neu", "p_pos"]].mul(w, axis=0)
    weighted["w"] = w
    weighted["record_id"] = sentences["record_id"].to_numpy()
    sums = weighted.groupby("record_id", sort=False).sum()
    mean = sums[["p_neg", "p_neu", "p_pos"]].div(sums["w"], axis=0)
    if record_pass != "mean" and whole is not None and len(whole):
        at = mean.index.isin(whole.index)
        other = whole.loc[mean.index[at], ["p_neg", "p_neu", "p_pos"]].to_numpy()
        mean.loc[at] = other if record_pass == "whole" else (mean.loc[at].to_numpy() + other) / 2
    if temperature != 1.0:
        mean.loc[:, :] = temper(mean.to_numpy(), temperature)
    return mean.reindex(list(record_ids)).to_numpy()


def record_sentiment(records: pd.DataFrame, probs: np.ndarray) -> pd.DataFrame:
    """Record sentiment = the argmax of ``probs`` (``Tagger.record_probabilities``, rows in
    ``records`` order); score = p_pos - p_neg.

    Records with no sentence (e.g. only emoticons) are neutral with score 0.
    """
    records = records.copy()
    p = np.asarray(probs, dtype="float64").reshape(len(records), 3)
    has = ~np.isnan(p).any(axis=1)
    labels = np.array(SENTIMENT_LABELS, dtype=object)[np.nan_to_num(p, nan=0).argmax(axis=1)]
    records["sentiment"] = np.where(has, labels, "neu")
    records["sentiment_score"] = np.where(has, np.nan_to_num(p[:, 2] - p[:, 0]), 0.0)
    return records
