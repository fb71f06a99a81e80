"""Kiwi morpheme sentences -> the model's padded input arrays. No torch: the ONNX Runtime path uses it too.

Each morpheme is a 'word' of the subword tokenizer (``is_split_into_words``); the model reads a
morpheme at its first subword (``word_index``) and adds an embedding of its Kiwi POS tag to every
subword of it (``tag_ids``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Kiwi POS tags (base form; -R/-I variants map to their base). 0 = pad/special, 1 = unknown.
KIWI_TAGS = ["NNG", "NNP", "NNB", "NR", "NP", "VV", "VA", "VX", "VCP", "VCN", "MM", "MAG", "MAJ", "IC", "JKS", "JKC", "JKG", "JKO", "JKB", "JKV", "JKQ", "JX", "JC", "EP", "EF", "EC", "ETN", "ETM", "XPN", "XSN", "XSV", "XSA", "XSM", "XR", "SF", "SP", "SS", "SSO", "SSC", "SE", "SO", "SW", "SL", "SH", "SN", "SB", "UN", "W_URL", "W_EMAIL", "W_HASHTAG", "W_MENTION", "W_SERIAL", "W_EMOJI", "Z_CODA", "Z_SIOT", "USER0", "USER1", "USER2", "USER3", "USER4"]
TAG2ID = {t: i + 2 for i, t in enumerate(KIWI_TAGS)}
N_TAG_IDS = len(KIWI_TAGS) + 2


_TAG_ID_MEMO: dict[str, int] = {}


def tag_id(tag: str) -> int:
    found = _TAG_ID_MEMO.get(tag)
    if found is None:
        found = _TAG_ID_MEMO[tag] = TAG2ID.get(tag.split("-")[0], 1)
    return found


def _words(sentences: Sequence[Sequence[tuple[str, str]]], max_morphemes: int) -> list[list[str]]:
    # A whitespace-only form would vanish in the tokenizer and shift every later word id.
    return [[f if f.strip() else "_" for f, _ in s[:max_morphemes]] or ["_"] for s in sentences]


def encode(tokenizer, sentences: Sequence[Sequence[tuple[str, str]]], max_morphemes: int, max_length: int,
           use_tags: bool) -> dict[str, np.ndarray]:
    """Morpheme sentences -> padded int64 arrays ``input_ids, attention_mask, tag_ids, word_index``.

    ``tokenizer``: a ``MorphemeEncoder`` (the project's own vocabularies: memoised per morpheme form)
    or a transformers fast tokenizer (any ``--base`` encoder). ``word_index[i, k]`` is the position of morpheme k's first subword,
    -1 when the morpheme is beyond the window (truncated).
    """
    words = _words(sentences, max_morphemes)
    if isinstance(tokenizer, MorphemeEncoder):
        input_ids, attn, wid = tokenizer.encode_words(words, max_length)
    else:
        enc = tokenizer(words, is_split_into_words=True, truncation=True, max_length=max_length, padding=True)
        input_ids = np.asarray(enc["input_ids"], dtype=np.int64)
        attn = np.asarray(enc["attention_mask"], dtype=np.int64)
        wid = np.asarray([[-1 if x is None else x for x in enc.word_ids(i)] for i in range(len(words))],
                         dtype=np.int64).reshape(input_ids.shape)
    b, t = input_ids.shape
    w = max(len(s) for s in words)
    prev = np.concatenate([np.full((b, 1), -1, dtype=np.int64), wid[:, :-1]], axis=1)
    rows, cols = np.nonzero((wid >= 0) & (wid != prev))
    word_index = np.full((b, w), -1, dtype=np.int64)
    word_index[rows, wid[rows, cols]] = cols
    tag_ids = np.zeros((b, t), dtype=np.int64)
    if use_tags:
        tags = np.zeros((b, w), dtype=np.int64)
        memo = _TAG_ID_MEMO
        for i, s in enumerate(sentences):
            row = [memo.get(tg) or tag_id(tg) for _, tg in s[:max_morphemes]] or [1]
            tags[i, :len(row)] = row
        inside = wid >= 0
        r, c = np.nonzero(inside)
        tag_ids[r, c] = tags[r, wid[r, c]]
    return {"input_ids": input_ids, "attention_mask": attn, "tag_ids": tag_ids, "word_index": word_index}


def fits_window(tokenizer, sentences: Sequence[Sequence[tuple[str, str]]], max_morphemes: int,
                max_length: int) -> np.ndarray:
    """(n,) bool: whether ``encode`` keeps every morpheme of sentence i whole (no morpheme beyond
    ``max_morphemes``, every subword inside ``max_length`` with ``[CLS]``/``[SEP]``)."""
    out = np.zeros(len(sentences), dtype=bool)
    short = [i for i, s in enumerate(sentences) if len(s) <= max_morphemes]
    if not short:
        return out
    words = _words([sentences[i] for i in short], max_morphemes)
    if isinstance(tokenizer, MorphemeEncoder):
        lengths = [sum(len(tokenizer.subwords(f)) for f in w) for w in words]
    else:
        enc = tokenizer(words, is_split_into_words=True, truncation=False, add_special_tokens=False)
        lengths = [len(ids) for ids in enc["input_ids"]]
    out[short] = np.asarray(lengths) <= max_length - 2
    return out


class MorphemeEncoder:
    """The project's own WordPiece vocabulary (models/vocab.py) applied morpheme by morpheme, memoised.

    Equal to the tokenizer's own ``[CLS] words [SEP]`` encoding with truncation to ``max_length``
    (tested against transformers), but a morpheme form is split into subwords once per run instead of
    once per occurrence: Korean morphemes are Zipfian, so nearly every lookup is a dict hit.
    Only for vocabularies without a normaliser (the project's own, where words are Kiwi forms).
    """

    # Cleared when full. Small enough to fill within the first ~70k short reviews (41k distinct forms
    # per 100k), so a run's RSS stops growing there; at 500k entries it grew to the end of a 1M run
    # (benchmarks/README.md, "RSS creep"). A miss costs one WordPiece call (~2 µs).
    _CACHE_SIZE = 32_768

    def __init__(self, tokenizer_json: str) -> None:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(tokenizer_json)
        self._model = tok.model
        self.cls_id = tok.token_to_id("[CLS]")
        self.sep_id = tok.token_to_id("[SEP]")
        self.pad_id = tok.token_to_id("[PAD]") or 0
        self._cache: dict[str, list[int]] = {}

    def subwords(self, form: str) -> list[int]:
        ids = self._cache.get(form)
        if ids is None:
            if len(self._cache) >= self._CACHE_SIZE:
                self._cache.clear()
            # a form with inner spaces is several pre-tokens of one word (the pre-tokenizer splits on them)
            ids = self._cache[form] = [t.id for piece in form.split() for t in self._model.tokenize(piece)]
        return ids

    def encode_words(self, words: list[list[str]], max_length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(input_ids, attention_mask, word ids) padded to the longest row; word id -1 = special/pad."""
        budget = max_length - 2
        rows: list[list[int]] = []
        word_ids: list[list[int]] = []
        cache = self._cache
        for sentence in words:
            ids: list[int] = [self.cls_id]
            wids: list[int] = [-1]
            for k, form in enumerate(sentence):
                sub = cache.get(form)
                if sub is None:
                    sub = self.subwords(form)
                room = budget + 1 - len(ids)
                if room <= 0:
                    break
                if len(sub) > room:
                    sub = sub[:room]
                ids += sub
                wids += [k] * len(sub)
            ids.append(self.sep_id)
            wids.append(-1)
            rows.append(ids)
            word_ids.append(wids)
        lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
        t = int(lengths.max())
        filled = np.arange(t)[None, :] < lengths[:, None]
        input_ids = np.full((len(rows), t), self.pad_id, dtype=np.int64)
        input_ids[filled] = np.fromiter((i for r in rows for i in r), dtype=np.int64, count=int(lengths.sum()))
        wid = np.full((len(rows), t), -1, dtype=np.int64)
        wid[filled] = np.fromiter((i for r in word_ids for i in r), dtype=np.int64, count=int(lengths.sum()))
        return input_ids, filled.astype(np.int64), wid
