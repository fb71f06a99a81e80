"""Opinions for aspects nothing judged (``model.opinion_fill``, docs/model.md "Opinion fill" and
"Mention precision"): the predicate that governs the aspect, with the sentence's polarity."""

from __future__ import annotations

import numpy as np

from voc_pipeline.stages._tag.fusion import LEXICON_CONFIDENCE, _bio_spans
from voc_pipeline.stages._tag.mentions import RELATIONAL_NOUNS, STOP_ASPECT_NOUNS, _gap, _is_relational

#: how an aspect that no opinion span judges gets one (config ``model.opinion_fill``, docs/model.md
#: "Opinion fill"): ``none`` = it does not (the aspect makes no mention); ``predicate`` = in a sentence
#: whose sentiment is confidently neg or pos, each aspect span with no opinion span between it and the
#: next aspect (its stretch) takes the governing predicate of that stretch (``governing_predicate``) as
#: an opinion with the sentence's polarity; ``predicate_subject`` = ``predicate``, and in a sentence with
#: no span at all a subject/topic noun (noun + 이/가/은/는/도) becomes the aspect first;
#: ``predicate_guarded`` = ``predicate_subject`` without the predicates that judge nothing
#: (``governing_predicate(guarded=True)``: requests, wishes and questions, reported clauses, a background
#: action as the only head, a copula on a bound noun) and without person/time nouns as subjects
#: (STOP_ASPECT_NOUNS; docs/model.md "Mention precision").
OPINION_FILLS = ("none", "predicate", "predicate_subject", "predicate_guarded")
#: the confidence of a morpheme labelled by the opinion fill (a rule; ranks with the lexicon's)
FILL_CONFIDENCE = LEXICON_CONFIDENCE
#: the sentence sentiment probability at or above which the fill acts (config ``model.opinion_fill_confidence``)
OPINION_FILL_CONFIDENCE = 0.5
_HEAD_TAGS = ("VV", "VA", "VCN", "VCP", "XSV", "XSA")
#: connective endings of a clause that states a condition, concession or purpose, not a judgement
#: (검색하면, 넣어도, 사려고): its predicate is not the one that governs the aspect
_SUBORDINATE_ENDINGS = frozenset({"면", "으면", "려면", "으려면", "어도", "아도", "여도", "해도", "도", "려고", "으려고",
                                  "러", "으러", "자마자", "다가", "도록"})
#: connective endings of a background clause (주문했는데, 조회하니까, 있다더니): after an action verb they set
#: the scene for the judgement that follows
_BACKGROUND_ENDINGS = frozenset({"는데", "ㄴ데", "은데", "니까", "으니까", "더니", "었더니", "다더니"})
#: light predicates that say little without the noun right before them (짜증 나다, 광고 같다, 장난 아니다)
_LIGHT_HEADS = frozenset({"나", "없", "있", "되", "하", "같", "아니"})
_ROOT_TAGS = ("NNG", "XR", "MAG", "NNP")
_SUBJECT_PARTICLES = frozenset({"이", "가", "은", "는", "도"})
#: Kiwi writes a final consonant of an ending as a jongseong jamo (ᆫ다고, ᆯ래요); both spellings are listed
_JAMO = str.maketrans({"ㄴ": "\u11ab", "ㄹ": "\u11af", "ㅂ": "\u11b8"})


def _both(*forms: str) -> frozenset:
    return frozenset(forms) | frozenset(f.translate(_JAMO) for f in forms)


#: sentence endings of a request (차액 돌려주세요, 얘기할래요, 확인해 주십시오): after an action verb or the
#: auxiliary 주다/달다 (after an adjective -세요 is an honorific statement: 친절하세요)
REQUEST_ENDINGS = _both("세요", "으세요", "십시오", "으십시오", "ㄹ래요", "을래요", "ㅂ시다", "읍시다", "라", "어라",
                        "아라", "여라", "거라", "자", "줘", "줘요")
#: sentence endings of a question (아직 파나요?, 괜찮을까요): the clause asks, it does not judge
QUESTION_ENDINGS = _both("나요", "ㄹ까요", "을까요", "까요", "ㄴ가요", "은가요", "는가요", "니", "냐", "나", "ㄹ까",
                         "을까", "남요", "죠")
#: connective endings of reported speech (쿠폰 준다고 해서, 회신 준다더니, 맡기지 말라고): what someone
#: said, not the customer's judgement
QUOTATIVE_ENDINGS = _both("다고", "ㄴ다고", "는다고", "라고", "이라고", "냐고", "으냐고", "자고", "다더니",
                          "ㄴ다더니", "는다더니", "라더니", "이라더니", "다며", "ㄴ다며", "다면서", "ㄴ다면서", "대서")
_REQUEST_AUX = frozenset({"주", "달", "드리"})


def _predicate_tail(forms, tags, j: int) -> tuple[int, list[str]]:
    """(end_exclusive, endings) of a predicate's endings from ``j`` (after its EPs): EP/EF/JX, and an EC
    followed by an auxiliary (VX, or 주다/달다 written as VV: 넣어 주세요, 맡기지 말라고), which continues."""
    n = len(forms)
    endings: list[str] = []
    k = j
    while k < n:
        t = tags[k]
        if t.startswith(("EP", "EF", "JX")) or (t.startswith("VX") and endings and tags[k - 1] == "EC") \
                or (t == "VV" and forms[k] in _REQUEST_AUX and endings and tags[k - 1] == "EC"):
            if t.startswith(("EF", "EC")):
                endings.append(forms[k])
            k += 1
            continue
        if t == "EC":
            endings.append(forms[k])
            k += 1
            if k < n and (tags[k].startswith("VX") or (tags[k] == "VV" and forms[k] in _REQUEST_AUX)):
                continue
        break
    return k, endings


def judges_nothing(forms, tags, i: int, j: int) -> bool:
    """The predicate headed at ``i`` (its endings from ``j``) requests, wishes, asks or reports
    (``predicate_guarded``): 돌려주세요, 넣어 주세요, 좋겠어요, 파나요?, 준다고, 말라고; or ends a condition
    after an auxiliary (해 주시면)."""
    end, endings = _predicate_tail(forms, tags, j)
    # a condition after an auxiliary (해 주시면 …) is as subordinate as one right after the head
    if any(e in QUOTATIVE_ENDINGS or e in _SUBORDINATE_ENDINGS for e in endings):
        return True
    if any(e in QUESTION_ENDINGS for e in endings) or (end < len(forms) and forms[end] in ("?", "？")):
        return True
    last = endings[-1] if endings else ""
    if last in REQUEST_ENDINGS:
        aux = any(tags[k] in ("VX", "VV") and forms[k] in _REQUEST_AUX for k in range(i, end))
        if aux or tags[i].startswith(("VV", "XSV")):
            return True
    # -면 좋겠다 / 좋겠어요: a wish
    return forms[i] == "좋" and any(forms[k] == "겠" and tags[k] == "EP" for k in range(i + 1, j))


def _bound_copula(forms, tags, first: int, i: int) -> bool:
    """The copula at ``i`` has a bound or relational noun in its noun phrase [first, i) (배송 중|이다, 것|이다,
    출고 전|이다, 지 일주일째|이다), one not counting a number or a determiner numeral (3일, 세 번째 stay)."""
    for k in range(first, i):
        if tags[k] == "NNB" and not (k > 0 and tags[k - 1] in ("SN", "NR", "MM")):
            return True
        if tags[k] == "NNG" and forms[k] in RELATIONAL_NOUNS:
            return True
    return False


def governing_predicate(forms, tags, starts, lens, free, lo: int, hi: int,
                        guarded: bool = False) -> tuple[int, int] | None:
    """(first, last) morphemes of the predicate that judges the aspect before ``lo``: the first
    predicate head (VV/VA/VCN/VCP/XSV/XSA) in [lo, hi) that ends no noun-modifying or nominalised form
    (-ㄴ/-는/-ㄹ, -기/-음: 켤 때마다, 찾기) and no conditional/concessive/purpose clause
    (_SUBORDINATE_ENDINGS), with the root of a derived or light predicate (꼼꼼|하다, 짜증 나다, 광고 같다),
    a 안/못 before it and a -지 않다/못하다 after it. A bare 하다/되다/이다 (no root, no negation) judges
    nothing and is passed over. An action verb ending in a background clause (신청했는데, 주문하니까,
    있다더니: _BACKGROUND_ENDINGS) is taken only when no other head follows in [lo, hi) (쿠폰 신청했는데 안
    들어왔어요 -> 안 들어오다; an adjective there is a judgement: 디자인은 예쁜데 -> 예쁘다). Only
    morphemes with ``free[i]`` (labelled O) are used; None when no head.
    ``guarded`` (``predicate_guarded``): heads that judge nothing are passed over (``judges_nothing``:
    requests, wishes, questions, reported speech; a copula on a bound noun, ``_bound_copula``) and a
    background action is never taken (교환 신청했는데 | 처리가… -> None)."""
    background = None
    for head in _predicate_heads(forms, tags, starts, lens, free, lo, hi, guarded):
        if not head[2]:
            return head[:2]
        background = background or head[:2]
    return None if guarded else background


def _predicate_heads(forms, tags, starts, lens, free, lo: int, hi: int, guarded: bool = False):
    """(first, last, is_background) of each usable predicate chunk in [lo, hi), in order (``governing_predicate``)."""
    n = len(forms)
    for i in range(lo, hi):
        t = tags[i]
        if not t.startswith(_HEAD_TAGS) or not free[i]:
            continue
        j = i + 1
        while j < n and tags[j] == "EP":
            j += 1
        if j < n and (tags[j] in ("ETM", "ETN") or (tags[j] == "EC" and forms[j] in _SUBORDINATE_ENDINGS)):
            continue
        if guarded and judges_nothing(forms, tags, i, j):
            continue
        first = last = i
        # the root of a derived predicate (XSV/XSA) or of a light one (짜증 나다, 쓸모없다, 쥐꼬리이다)
        if t.startswith(("XSV", "XSA")) or (forms[i] in _LIGHT_HEADS and t.startswith(("VV", "VA", "VCN"))):
            if first - 1 >= lo and free[first - 1] and tags[first - 1].startswith(_ROOT_TAGS) \
                    and _gap(starts, lens, first - 1, first) <= 1:
                first -= 1
        elif t.startswith("VCP"):
            # the noun phrase of a copula (쥐꼬리|예요, 40분|이에요, 준비 중|이래요): glued, one space at most once
            spaces = 0
            while first - 1 >= lo and free[first - 1] and tags[first - 1] in ("NNG", "NNP", "NNB", "NR", "SN", "XSN") \
                    and _gap(starts, lens, first - 1, first) <= 1 - spaces and i - first < 3:
                spaces += _gap(starts, lens, first - 1, first)
                first -= 1
            if guarded and _bound_copula(forms, tags, first, i):
                continue
        # -지 않다 / -지 못하다 / -질 않다 after the head
        k = j
        if k < n and tags[k] == "EC" and forms[k] in ("지", "게"):
            k += 1
            while k < n and tags[k] in ("JKO", "JX"):
                k += 1
            if k < hi and tags[k].startswith("VX") and forms[k] in ("않", "못하") and all(free[i:k + 1]):
                last = k
        rooted = first < i
        if first - 1 >= lo and free[first - 1] and forms[first - 1] in ("안", "못") and tags[first - 1] == "MAG" \
                and _gap(starts, lens, first - 1, first) <= 1:
            first -= 1
        negated = last > i or first < i - int(rooted)
        if not rooted and not negated and (forms[i] in ("하", "되") or t.startswith("VCP")):
            continue  # a bare light verb or copula judges nothing (CONTENTLESS_OPINIONS)
        action = t.startswith(("VV", "XSV"))
        yield first, last, action and j < n and tags[j] == "EC" and forms[j] in _BACKGROUND_ENDINGS


def _subject_nouns(forms, tags, starts, lens, stop: bool = False) -> list[tuple[int, int]]:
    """(first, end_exclusive) of each subject/topic noun phrase (noun + 이/가/은/는/도; up to two more
    nouns glued or spaced before it: 충전 단자가), skipping the lexicon's generic nouns (것, 정도, 느낌);
    ``stop``: and person/time nouns (STOP_ASPECT_NOUNS: 고객, 요즘)."""
    from voc_pipeline.models.weak import GENERIC_NOUNS

    skip = GENERIC_NOUNS | STOP_ASPECT_NOUNS if stop else GENERIC_NOUNS
    out = []
    for i in range(len(forms) - 1):
        # a stop noun is no subject's head; glued before one it is a compound's part (고객센터가)
        if tags[i] not in ("NNG", "NNP") or forms[i] in skip or _is_relational(forms, tags, i):
            continue
        if not (tags[i + 1] in ("JKS", "JX") and forms[i + 1] in _SUBJECT_PARTICLES):
            continue
        first = i
        while first > 0 and i - first < 2 and tags[first - 1] in ("NNG", "NNP") \
                and forms[first - 1] not in GENERIC_NOUNS \
                and not (stop and forms[first - 1] in STOP_ASPECT_NOUNS and _gap(starts, lens, first - 1, first) > 0) and _gap(starts, lens, first - 1, first) <= 1 \
                and not (out and out[-1][1] > first - 1):
            first -= 1
        out.append((first, i + 1))
    return out


def fill_opinion_labels(forms, tags, starts, lens, labels, probs, mode: str, min_confidence: float,
                        confidence=None) -> tuple[list[str], list[float]]:
    """One sentence's (fused) BIO labels with the opinions the ``mode`` (OPINION_FILLS) adds.

    The one opinion fill the pipeline (``Tagger``) and ``models.evaluate.span_eval`` both run, after
    the span fusion. ``probs``: the sentence's (p_neg, p_neu, p_pos). Nothing changes unless the
    sentence's sentiment is neg or pos with probability >= ``min_confidence``; then every aspect span
    with no opinion span in its stretch (up to the next aspect span or the sentence end) gets the
    stretch's ``governing_predicate`` as an opinion of the sentence's polarity (NEG for neg, POS for
    pos). Under ``predicate_subject`` a sentence with no span at all first gets its subject/topic nouns
    (``_subject_nouns``) as aspects — only those that a predicate is then found for. Existing spans are
    never changed; added morphemes get ``FILL_CONFIDENCE``.
    """
    if mode not in OPINION_FILLS:
        raise ValueError(f"opinion_fill must be one of {', '.join(OPINION_FILLS)}, not {mode!r}")
    n = len(labels)
    labels = list(labels)
    conf = [1.0] * n if confidence is None else [float(c) for c in confidence]
    if mode == "none" or n == 0:
        return labels, conf
    best = int(np.argmax(probs))
    if best == 1 or float(probs[best]) < min_confidence:
        return labels, conf
    kind = "NEG" if best == 0 else "POS"
    spans = _bio_spans(labels)
    aspects = [(a, b, False) for k, a, b in spans if k == "ASP"]
    guarded = mode == "predicate_guarded"
    if not spans and mode in ("predicate_subject", "predicate_guarded"):
        aspects = [(a, b, True) for a, b in _subject_nouns(forms, tags, starts, lens, stop=guarded)]
    is_opinion = [False] * n
    for k, a, b in spans:
        if k != "ASP":
            is_opinion[a:b] = [True] * (b - a)
    free = [lab == "O" for lab in labels]
    for a, b, _ in aspects:
        free[a:b] = [False] * (b - a)
    for j, (a, b, new) in enumerate(aspects):
        hi = aspects[j + 1][0] if j + 1 < len(aspects) else n
        if any(is_opinion[b:hi]):
            continue
        chunk = governing_predicate(forms, tags, starts, lens, free, b, hi, guarded)
        if chunk is None:
            continue
        first, last = chunk
        if new:
            labels[a] = "B-ASP"
            labels[a + 1:b] = ["I-ASP"] * (b - a - 1)
            conf[a:b] = [FILL_CONFIDENCE] * (b - a)
        labels[first] = f"B-{kind}"
        labels[first + 1:last + 1] = [f"I-{kind}"] * (last - first)
        conf[first:last + 1] = [FILL_CONFIDENCE] * (last - first + 1)
        free[first:last + 1] = [False] * (last - first + 1)
    return labels, conf


def confident_sentences(probs: np.ndarray, min_confidence: float) -> np.ndarray:
    """(n,) bool: the sentences whose sentiment is neg or pos with probability >= ``min_confidence``
    (the only ones ``fill_opinion_labels`` can change)."""
    probs = np.asarray(probs, dtype="float64").reshape(-1, 3)
    best = probs.argmax(axis=1)
    return (best != 1) & (probs.max(axis=1) >= min_confidence)
