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


def tag_id(tag: str) -> int:
    return TAG2ID.get(tag.split("-")[0], 1)


def _words(sentences: Sequence[Sequence[tuple[str, str]]], max_morphemes: int) -> list[list[str]]:
    # A whitespace-only form would vanish in the tokenizer and shift every later word id.
    return [[f if f.strip() else "_" for f, _ in s[:max_morphemes]] or ["_"] for s in sentences]


def encode(tokenizer, sentences: Sequence[Sequence[tuple[str, str]]], max_morphemes: int, max_length: int,
           use_tags: bool) -> dict[str, np.ndarray]:
    """Morpheme sentences -> padded int64 arrays ``input_ids, attention_mask, tag_ids, word_index``.

    ``tokenizer``: a ``tokenizers.Tokenizer`` (the fast path: one Rust call per batch) or a
    transformers fast tokenizer. ``word_index[i, k]`` is the position of morpheme k's first subword,
    -1 when the morpheme is beyond the window (truncated).
    """
    words = _words(sentences, max_morphemes)
    if hasattr(tokenizer, "encode_batch") and not hasattr(tokenizer, "backend_tokenizer"):
        encodings = tokenizer.encode_batch(words, is_pretokenized=True)
        input_ids = np.asarray([e.ids for e in encodings], dtype=np.int64)
        attn = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
        word_ids = [e.word_ids for e in encodings]
    else:
        enc = tokenizer(words, is_split_into_words=True, truncation=True, max_length=max_length, padding=True)
        input_ids = np.asarray(enc["input_ids"], dtype=np.int64)
        attn = np.asarray(enc["attention_mask"], dtype=np.int64)
        word_ids = [enc.word_ids(i) for i in range(len(words))]
    b, t = input_ids.shape
    w = max(len(s) for s in words)
    wid = np.asarray([[-1 if x is None else x for x in row] for row in word_ids], dtype=np.int64).reshape(b, t)
    prev = np.concatenate([np.full((b, 1), -1, dtype=np.int64), wid[:, :-1]], axis=1)
    rows, cols = np.nonzero((wid >= 0) & (wid != prev))
    word_index = np.full((b, w), -1, dtype=np.int64)
    word_index[rows, wid[rows, cols]] = cols
    tag_ids = np.zeros((b, t), dtype=np.int64)
    if use_tags:
        tags = np.zeros((b, w), dtype=np.int64)
        for i, s in enumerate(sentences):
            row = [tag_id(tg) for _, tg in s[:max_morphemes]] or [1]
            tags[i, :len(row)] = row
        inside = wid >= 0
        r, c = np.nonzero(inside)
        tag_ids[r, c] = tags[r, wid[r, c]]
    return {"input_ids": input_ids, "attention_mask": attn, "tag_ids": tag_ids, "word_index": word_index}


def fast_tokenizer(tokenizer_json: str, max_length: int):
    """The model directory's ``tokenizer.json`` as a bare ``tokenizers.Tokenizer`` set to truncate to
    ``max_length`` subwords (special tokens included) and pad to the longest in the batch."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(tokenizer_json)
    pad = tok.token_to_id("[PAD]")
    tok.enable_truncation(max_length=max_length)
    tok.enable_padding(pad_id=0 if pad is None else pad, pad_token="[PAD]")
    return tok
