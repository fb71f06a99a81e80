"""An opinion's polarity from its own words where they are known (``model.opinion_polarity``,
docs/model.md "Opinion polarity"): the polarity lexicon with negation and negating prefixes, a negated
predicate, a contrast clause — over the model's span label or the fill's sentence polarity."""

from __future__ import annotations

from voc_pipeline.stages._tag.fusion import _bio_spans

#: how an opinion span's polarity (its B-NEG/B-POS label, after the span fusion and the opinion fill) is
#: set (config ``model.opinion_polarity``): ``none`` = as labelled (the model's span label; the fill's
#: sentence polarity); ``lexicon`` = an opinion whose words the polarity lexicon knows takes the lexicon's
#: polarity (``lexical_polarity``: with 안/못 before, -지 않다/못하다 after, 없다 after a lexicon noun, and a
#: negating prefix 불/부/무/비/미 on a positive root: 부정확하다 -> NEG); ``lexicon_negation`` = ``lexicon``,
#: and an opinion the lexicon does not know but that is negated (안/못 + predicate, -지 않다/못하다) is NEG
#: (안 와요, 빠지질 않아요); ``lexicon_contrast`` = ``lexicon_negation``, and an opinion the opinion fill
#: made (no lexicon word, no negation) after a contrast (-지만, -는데/-ㄴ데 after a predicate) takes the
#: opposite of the opinion before the contrast (교환 처리는 빨랐는데 배송비를 다 물렸어요 -> 물리다 NEG).
OPINION_POLARITIES = ("none", "lexicon", "lexicon_negation", "lexicon_contrast")
#: prefixes that negate the root they are glued to (Kiwi XPN): 불친절, 부정확, 무성의, 비위생, 미흡
NEGATING_PREFIXES = frozenset({"불", "부", "무", "비", "미"})
_NEG_BEFORE = frozenset({"안", "못"})
_NEG_AFTER = frozenset({"않", "못하"})
_PRED_TAGS = ("VV", "VA", "XSV", "XSA", "VCN", "VCP")
_ROOTISH = ("NNG", "XR", "MAG", "NNP", "SL")
_FLIP = {"NEG": "POS", "POS": "NEG"}
#: endings of a contrast clause: -지만 (EC), and -는데/-ㄴ데/-은데/-던데 (Kiwi writes them as ETM + 데/NNB
#: or as one EC, in either jamo spelling)
_CONTRAST_EC = frozenset({"지만", "는데", "ㄴ데", "은데", "던데", "\u11ab데", "었는데", "았는데"})
_CONTRAST_ETM = frozenset({"는", "ㄴ", "\u11ab", "은", "던"})


def _word_polarity(forms, tags, i: int, lex) -> tuple[int, str] | None:
    """(end_exclusive, 'NEG'|'POS') of a lexicon word starting at morpheme ``i`` (a prefix 불/부/무/비/미
    glued to a positive root makes it negative), else None."""
    n = len(forms)
    if tags[i] == "XPN" and forms[i] in NEGATING_PREFIXES and i + 1 < n and tags[i + 1].startswith(_ROOTISH):
        hit = _word_polarity(forms, tags, i + 1, lex)
        whole = forms[i] + forms[i + 1]
        if whole in lex.neg or whole + "하다" in lex.neg:
            return (hit[0] if hit else i + 2), "NEG"
        if hit:
            return hit[0], "NEG" if hit[1] == "POS" else hit[1]
        return None
    f, t = forms[i], tags[i]
    if i + 1 < n and t.startswith(_ROOTISH) and tags[i + 1].startswith(("XSA", "XSV", "VV", "VA")) \
            and (tags[i + 1].startswith(("XSA", "XSV")) or forms[i + 1] in ("없", "나", "되", "하")):
        lem = f + forms[i + 1] + "다"
        for words, pol in ((lex.neg, "NEG"), (lex.pos, "POS")):
            if lem in words or (tags[i + 1].startswith(("XSA", "XSV")) and f in words):
                return i + 2, pol
    if t.startswith(("VX", "E", "J", "S")) and not t.startswith("SL"):
        return None
    lem = f + "다" if t.startswith(("VV", "VA", "VCN")) else f
    if t.startswith(("VV", "VA", "VCN")) or t.startswith(_ROOTISH):
        if lem in lex.neg or (not t.startswith(("VV", "VA")) and f in lex.neg):
            return i + 1, "NEG"
        if lem in lex.pos or (not t.startswith(("VV", "VA")) and f in lex.pos):
            return i + 1, "POS"
    return None


def _negated_after(forms, tags, j: int, hi: int) -> int | None:
    """The index of a -지 않다/못하다 auxiliary (or 없다/아니다 right after a noun word) from ``j``, before ``hi``."""
    k = j
    # past EPs and an auxiliary chain that is no negation (지워|지지 않다, 깨끗해|지지 않다)
    while k < hi and (tags[k] == "EP" or (tags[k].startswith("VX") and forms[k] not in _NEG_AFTER)
                      or (tags[k] == "EC" and forms[k] not in ("지", "게") and k + 1 < hi
                          and tags[k + 1].startswith("VX") and forms[k + 1] not in _NEG_AFTER)):
        k += 2 if tags[k] == "EC" else 1
    if k < hi and tags[k] == "EC" and forms[k] in ("지", "게"):
        k += 1
        while k < hi and tags[k] in ("JKO", "JX"):
            k += 1
        if k < hi and tags[k].startswith("VX") and forms[k] in _NEG_AFTER:
            return k
    return None


def opinion_extent(forms, tags, first: int, last: int) -> tuple[int, int]:
    """(lo, hi_exclusive): the span grown as the mention's opinion is (``mentions.repair_opinion``: the
    root of a 하/되 suffix it starts on, a prefix before it: 부|정확해요), with a 안/못 right before it and
    a -지 않다/못하다 right after it."""
    n = len(forms)
    lo, hi = first, last + 1
    if lo > 0 and tags[lo].startswith(("XSV", "XSA")) and tags[lo - 1].startswith(_ROOTISH):
        lo -= 1
    if lo > 0 and tags[lo - 1] == "XPN":
        lo -= 1
    if lo > 0 and forms[lo - 1] in _NEG_BEFORE and tags[lo - 1] == "MAG":
        lo -= 1
    j = hi
    while j < n and tags[j].startswith(("EP", "XSA", "XSV")):
        j += 1
    k = _negated_after(forms, tags, j, n)
    if k is not None:
        hi = k + 1
    return lo, hi


def lexical_polarity(forms, tags, first: int, last: int, lex, negation: bool = False) -> str | None:
    """'NEG' | 'POS' of the opinion on morphemes [first, last] from its own words, else None.

    Each lexicon word in the opinion's extent (``opinion_extent``) counts with its polarity, flipped by
    a 안/못 right before it, a -지 않다/못하다 after it, or (a noun word) 없다/아니다 right after it
    (문제 없다, 불만 없다); all known words must agree. ``negation``: an opinion with no lexicon word but a
    negated predicate (안/못 before one, -지 않다/못하다 after one) is NEG."""
    lo, hi = opinion_extent(forms, tags, first, last)
    found: set[str] = set()
    i = lo
    while i < hi:
        hit = _word_polarity(forms, tags, i, lex)
        if hit is None:
            i += 1
            continue
        end, pol = hit
        flipped = i > lo and forms[i - 1] in _NEG_BEFORE and tags[i - 1] == "MAG"
        j = end
        while j < hi and tags[j].startswith(("EP",)):
            j += 1
        noun_negated = end < hi and not tags[end - 1].startswith(_PRED_TAGS) and tags[end - 1].startswith(_ROOTISH) \
            and ((forms[end] == "없" and tags[end].startswith("VA")) or tags[end] == "VCN")
        if noun_negated or _negated_after(forms, tags, j, hi) is not None:
            flipped = not flipped
        found.add(_FLIP[pol] if flipped else pol)
        i = end
    if len(found) == 1:
        return found.pop()
    if found or not negation:
        return None
    for i in range(lo, hi):
        if forms[i] in _NEG_BEFORE and tags[i] == "MAG" and i + 1 < hi and tags[i + 1].startswith(_PRED_TAGS + _ROOTISH):
            return "NEG"
        if tags[i].startswith("VX") and forms[i] in _NEG_AFTER and i > lo and tags[i - 1] in ("EC", "JKO", "JX"):
            return "NEG"
    return None


def _contrast_between(forms, tags, a: int, b: int) -> bool:
    """A contrast ending (-지만, -는데/-ㄴ데) on morphemes [a, b)."""
    for k in range(a, b):
        if tags[k] == "EC" and forms[k] in _CONTRAST_EC:
            return True
        if tags[k] == "ETM" and forms[k] in _CONTRAST_ETM and k + 1 < b and forms[k + 1] == "데" \
                and tags[k + 1] == "NNB":
            return True
    return False


def set_opinion_polarity(forms, tags, labels, lex, mode: str, before=None) -> list[str]:
    """One sentence's BIO labels with each opinion span's polarity set under ``mode`` (OPINION_POLARITIES).

    Run by the tag stage (``Tagger``) and ``models.evaluate.span_labels`` alike, after the span fusion
    and the opinion fill; spans keep their extent, only NEG/POS may change. ``lex``: the fusion
    lexicon (``models.weak.Lexicon``). ``before``: the labels before the opinion fill (a span all O
    there is the fill's; ``lexicon_contrast`` acts on those only)."""
    if mode not in OPINION_POLARITIES:
        raise ValueError(f"opinion_polarity must be one of {', '.join(OPINION_POLARITIES)}, not {mode!r}")
    labels = list(labels)
    if mode == "none" or lex is None:
        return labels
    previous: tuple[str, int] | None = None  # (kind, first morpheme) of the last opinion span
    for kind, a, b in _bio_spans(labels):
        if kind == "ASP":
            continue
        pol = lexical_polarity(forms, tags, a, b - 1, lex, negation=mode != "lexicon")
        if pol is None and mode == "lexicon_contrast" and previous is not None and before is not None \
                and all(x == "O" for x in before[a:b]) and _contrast_between(forms, tags, previous[1], a):
            pol = _FLIP[previous[0]]
        new = pol or kind
        if new != kind:
            labels[a] = f"B-{new}"
            labels[a + 1:b] = [f"I-{new}"] * (b - a - 1)
        previous = (new, a)
    return labels
