"""Decode policy per file: BOM -> strict UTF-8 -> strict cp949 -> per-line vote -> detector.

Korean exports come as UTF-8 (with or without BOM) or cp949/EUC-KR about equally often.
Detectors misread short cp949 text as big5/gb2312, so the detector is the *last* resort:

1. ``explicit``   ``source.encoding`` when given (``euc-kr``/``ks_c_5601-1987`` are read as
                  ``cp949``, its superset, so Windows-only Hangul does not fail).
2. ``bom``        a UTF-8 / UTF-16 byte-order mark.
3. ``binary``     NUL bytes in the sample (and no UTF-16 BOM) -> :class:`UnreadableInputError`.
4. ``utf-8``      the sample decodes as strict UTF-8.
5. ``cp949``      the sample decodes as strict cp949.
6. ``line_vote``  the sample has a few undecodable lines: the encoding (UTF-8 first) under which
                  most lines with non-ASCII bytes decode; the bad lines are later quarantined
                  with reason ``encoding`` row by row, never silently replaced.
7. ``detector``   charset-normalizer's best guess; nothing usable -> ``UnreadableInputError``.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from voc_pipeline.errors import UnreadableInputError

#: bytes read to decide the encoding of a file
SAMPLE_BYTES = 1 << 20

_ALIASES = {
    "euc-kr": "cp949", "euckr": "cp949", "euc_kr": "cp949", "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949", "ksc5601": "cp949", "uhc": "cp949", "ms949": "cp949", "x-windows-949": "cp949",
    "utf8": "utf-8", "utf-8-sig": "utf-8-sig", "utf_8": "utf-8",
}


@dataclass(frozen=True, slots=True)
class EncodingGuess:
    encoding: str           # a Python codec name
    policy: str             # which rule decided (explicit, bom, utf-8, cp949, line_vote, detector)
    bom_length: int = 0     # bytes to skip at the start of the file

    @property
    def line_based(self) -> bool:
        """Whether lines can be split on b"\\n" before decoding (not UTF-16/32)."""
        return not self.encoding.replace("_", "-").lower().startswith(("utf-16", "utf-32"))


def normalize_encoding(name: str) -> str:
    key = name.strip().lower()
    codec = _ALIASES.get(key, key)
    try:
        return codecs.lookup(codec).name
    except LookupError:
        raise UnreadableInputError(
            f"알 수 없는 인코딩 'encoding: {name}'", f"unknown encoding 'encoding: {name}'"
        ) from None


def _bom(sample: bytes) -> EncodingGuess | None:
    if sample.startswith(codecs.BOM_UTF8):
        return EncodingGuess("utf-8", "bom", len(codecs.BOM_UTF8))
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return EncodingGuess("utf-32", "bom", 0)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return EncodingGuess("utf-16", "bom", 0)
    return None


def _strict(sample: bytes, encoding: str) -> bool:
    try:
        sample.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _trim_to_line(sample: bytes, truncated: bool) -> bytes:
    """Drop a possibly cut multi-byte character at the end of a truncated sample."""
    if not truncated:
        return sample
    cut = sample.rfind(b"\n")
    return sample[: cut + 1] if cut > 0 else sample[:-4]


def _line_vote(sample: bytes) -> str | None:
    lines = [ln for ln in sample.split(b"\n") if any(b > 0x7F for b in ln)]
    if not lines:
        return None
    for encoding in ("utf-8", "cp949"):
        ok = sum(_strict(ln, encoding) for ln in lines)
        if ok >= max(1, len(lines) // 2 + 1):
            return encoding
    return None


def detect_bytes(sample: bytes, truncated: bool = False, name: str = "<bytes>") -> EncodingGuess:
    """The encoding of a file from its first bytes (see the module docstring for the order)."""
    guess = _bom(sample)
    if guess is not None:
        return guess
    if b"\x00" in sample:
        raise UnreadableInputError(
            f"텍스트 파일이 아닙니다(바이너리): {name}", f"not a text file (binary content): {name}"
        )
    sample = _trim_to_line(sample, truncated)
    if _strict(sample, "utf-8"):
        return EncodingGuess("utf-8", "utf-8")
    if _strict(sample, "cp949"):
        return EncodingGuess("cp949", "cp949")
    voted = _line_vote(sample)
    if voted:
        return EncodingGuess(voted, "line_vote")
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is not None and best.encoding and best.chaos <= 0.5:
        guess = EncodingGuess(codecs.lookup(best.encoding).name, "detector")
        if guess.line_based:   # no UTF-16/32 without a BOM: the sample has no NUL bytes
            return guess
    lines = [ln for ln in sample.split(b"\n") if ln.strip()]
    if lines and sum(_strict(ln, "utf-8") for ln in lines) * 2 >= len(lines):
        return EncodingGuess("utf-8", "line_vote")   # mostly ASCII/UTF-8: quarantine the rest
    raise UnreadableInputError(
        f"파일 인코딩을 알 수 없습니다(텍스트가 아님): {name}",
        f"cannot determine the encoding (not text?): {name}",
    )


def detect_encoding(path: str | Path, explicit: str | None = None) -> EncodingGuess:
    """Decide how to decode ``path``; ``explicit`` (``source.encoding``) overrides detection."""
    path = Path(path)
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES + 1)
    truncated = len(sample) > SAMPLE_BYTES
    sample = sample[:SAMPLE_BYTES]
    if explicit:
        encoding = normalize_encoding(explicit)
        bom = _bom(sample)
        skip = bom.bom_length if bom is not None and encoding.startswith("utf") else 0
        if encoding == "utf-8-sig":
            encoding = "utf-8"
        return EncodingGuess(encoding, "explicit", skip)
    return detect_bytes(sample, truncated, name=str(path))


def decode_line(raw: bytes, encoding: str) -> tuple[str, bool]:
    """Strictly decode one line: (text, ok). When not ok, text is a display-only excerpt
    decoded with U+FFFD replacements; callers quarantine the row instead of using it."""
    try:
        return raw.decode(encoding), True
    except UnicodeDecodeError:
        return raw.decode(encoding, errors="replace"), False
