"""Kiwi: split masked record text into sentences and morphemes (form, POS tag, lemma, offsets).

One row per sentence. Offsets (``char_start``/``char_end`` of the sentence and ``starts``/``lens``
of each morpheme) index into the record's masked text, so mentions found on morphemes map back to
exact character spans.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import pandas as pd

SENTENCE_FRAME_COLUMNS = [
    "record_id", "sentence_index", "char_start", "char_end", "text",
    "forms", "tags", "lemmas", "starts", "lens",
]

#: Kiwi tags whose lemma is the dictionary form of a predicate (늦 -> 늦다).
PREDICATE_TAGS = frozenset({"VV", "VA", "VX", "VCN", "VCP", "VV-R", "VA-R", "VV-I", "VA-I", "XSV", "XSA"})


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


class KiwiTokenizer:
    """Holds one Kiwi instance (expensive to build); call it on batches of records."""

    def __init__(self, user_words: Iterable[tuple[str, str, float]] = (), num_workers: int | None = None,
                 multi_word_dictionary: bool = True):
        """``multi_word_dictionary``: Kiwi's web-collected multi-word proper nouns (on by default in
        Kiwi; training and `evaluate --unit text` keep it). ~200 MB and ~1.4 s of start-up per Kiwi; the run
        turns it off by default (config ``multi_word_dictionary``, docs/scale.md)."""
        from kiwipiepy import Kiwi

        self.num_workers = default_workers() if num_workers is None else num_workers
        self.kiwi = Kiwi(num_workers=self.num_workers, load_multi_dict=multi_word_dictionary)
        for word, tag, score in user_words:
            self.kiwi.add_user_word(word, tag, score)

    def sentences(self, texts: Sequence[str]) -> list[list]:
        """Kiwi sentences with tokens for each text (multi-threaded over the batch)."""
        if not texts:
            return []
        # Kiwi parallelises across an iterable of texts; a bare str would run single-threaded.
        return list(self.kiwi.split_into_sents(list(texts), return_tokens=True, return_sub_sents=False))

    def morphemes(self, texts: Sequence[str]) -> list[list[tuple[str, str]]]:
        """(form, tag) per morpheme for whole texts: what model training reads."""
        if not texts:
            return []
        return [[(t.form, t.tag) for t in toks] for toks in self.kiwi.tokenize(list(texts))]

    def __call__(self, records: pd.DataFrame) -> pd.DataFrame:
        """records[record_id, text] -> one row per sentence (columns SENTENCE_FRAME_COLUMNS)."""
        rows: dict[str, list] = {c: [] for c in SENTENCE_FRAME_COLUMNS}
        ids = records["record_id"].tolist()
        texts = records["text"].fillna("").tolist()
        for record_id, text, sents in zip(ids, texts, self.sentences(texts), strict=True):
            index = 0
            for sent in sents:
                tokens = sent.tokens or []
                if not tokens or not sent.text.strip():
                    continue
                rows["record_id"].append(record_id)
                rows["sentence_index"].append(index)
                rows["char_start"].append(sent.start)
                rows["char_end"].append(sent.end)
                rows["text"].append(text[sent.start:sent.end])
                rows["forms"].append([t.form for t in tokens])
                rows["tags"].append([t.tag for t in tokens])
                rows["lemmas"].append([lemma_of(t.form, t.tag, getattr(t, "lemma", None)) for t in tokens])
                rows["starts"].append([t.start for t in tokens])
                rows["lens"].append([t.len for t in tokens])
                index += 1
        return pd.DataFrame(rows, columns=SENTENCE_FRAME_COLUMNS)


def lemma_of(form: str, tag: str, kiwi_lemma: str | None = None) -> str:
    """Dictionary form: predicates get 다 (늦 -> 늦다); everything else is its own form."""
    if kiwi_lemma:
        return kiwi_lemma
    base = tag.split("-")[0]
    if base in {"VV", "VA", "VX"} and not form.endswith("다"):
        return form + "다"
    return form
