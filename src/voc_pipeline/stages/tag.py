"""Run the model over sentences: sentence sentiment, record sentiment, and mention spans.

The model labels each Kiwi morpheme (schema.SPAN_LABELS); this module turns those labels into
mentions: an opinion span (NEG -> pain, POS -> praise) paired with the nearest aspect span of the
same sentence, with lemmas and character offsets into the masked record text.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from voc_pipeline.schema import SENTIMENT_LABELS

MENTION_FRAME_COLUMNS = [
    "record_id", "sentence_index", "aspect", "opinion", "polarity", "start", "end", "confidence",
]

#: morphemes that never belong to the core of a span (particles, endings, punctuation)
_EDGE_TAG_PREFIXES = ("J", "E", "S", "X")
_PREDICATE_TAGS = ("VV", "VA", "VX", "XSV", "XSA", "VCN", "VCP")
_NEGATORS = {"안", "못", "않", "없"}
#: opinion lemmas that judge nothing on their own: a bare light verb (가격만큼 해요 -> 하다, 2주
#:됐는데 -> 되다) or a determiner cut from a phrase (한 시간 -> 한). A span the model tagged as just
#: one of these made keys like 가격+하다; it is not a mention. With a negator it is kept (안 되다).
CONTENTLESS_OPINIONS = frozenset({"하다", "되다", "한", "하", "되"})
#: words that judge nothing on their own (``merge_no_stop``, docs/model.md "Mention precision"): degree
#: and frequency adverbs the model or the fill sometimes leaves as the whole opinion (카드결제 하는데 자꾸
#: 결제 실패 떠요 -> 자꾸), a prefix cut from its noun (정사이즈 -> 정), bare auxiliaries (않다, 말다). An
#: opinion whose lemma is only these (and a light 하다/되다: 좀 하다) makes no mention. 잘/못/안 are not
#: here: 잘 되다, 안 되다 judge.
CONTENTLESS_ADVERBS = frozenset({
    "너무", "좀", "자꾸", "정말", "진짜", "완전", "엄청", "계속", "또", "다", "많이", "아주", "매우", "넘", "되게",
    "꽤", "딱", "더", "제일", "가장", "그냥", "정", "않다", "말다",
})
#: person and time nouns that are never the judged aspect (``merge_no_stop`` cuts them out of aspect
#: spans; ``predicate_guarded`` takes none as a subject): 고객 강한 불만 표출 (an agent's note on the
#: customer), 요즘 배송이…, 하루 만에 끊어졌어요. (Bound nouns 것/수/때 are ``_is_relational``'s.)
STOP_ASPECT_NOUNS = frozenset({
    "고객", "고객님", "본인", "저", "제", "저희", "나", "우리",
    "요즘", "오늘", "어제", "내일", "지금", "방금", "아까", "하루", "이틀", "아침", "점심", "저녁", "밤", "새벽",
    "주말", "평일", "매일", "이번", "지난번", "처음", "나중", "중간",
})


def is_contentless_opinion(lemma: str) -> bool:
    """An opinion lemma made only of ``CONTENTLESS_ADVERBS`` words and light verbs (자꾸, 정, 좀 하다, 않다)."""
    words = lemma.split()
    return bool(words) and any(w in CONTENTLESS_ADVERBS for w in words) \
        and all(w in CONTENTLESS_ADVERBS or w in CONTENTLESS_OPINIONS for w in words)

#: how records.sentiment comes from the model (config ``model.record_pass``): ``mean`` = the
#: length-weighted mean of the record's sentences; ``whole`` = one more model pass over the whole
#: record when it has 2+ sentences and fits the window (else the mean); ``blend`` = the average of the two.
RECORD_PASSES = ("mean", "whole", "blend")

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


def _gap(starts, lens, left: int, right: int) -> int:
    return starts[right] - (starts[left] + lens[left])


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


@dataclass(frozen=True)
class _Span:
    kind: str  # ASP | NEG | POS
    first: int  # morpheme index, inclusive
    last: int  # inclusive
    confidence: float


def decode_spans(labels: list[str], confidence: list[float]) -> list[_Span]:
    """BIO labels -> spans; a stray I- starts a span (models are not always well-formed)."""
    spans: list[_Span] = []
    for kind, first, end in _bio_spans(labels):
        window = confidence[first:end]
        spans.append(_Span(kind, first, end - 1, sum(window) / len(window) if window else 1.0))
    return spans


def _surface(text: str, starts: list[int], lens: list[int], first: int, last: int) -> tuple[int, int]:
    return starts[first], starts[last] + lens[last]


#: Kiwi tags starting with S that are content, not punctuation: foreign letters, hanja, numbers
_CONTENT_S_TAGS = ("SL", "SH", "SN")


def _trim(tags: list[str], first: int, last: int, keep_predicate_suffix: bool,
          keep_foreign: bool = False) -> tuple[int, int] | None:
    """Drop particles/endings/punctuation at both edges of a span; keep 하/되 suffixes of predicates.
    ``keep_foreign``: SL/SH/SN morphemes (ARS, Nike, 2) are content, not edges (pairings other than
    ``nearest``; ``nearest`` keeps the old trimming, which drops them)."""
    def is_edge(i: int) -> bool:
        t = tags[i]
        if keep_predicate_suffix and t.startswith(("XSV", "XSA")):
            return False
        if keep_foreign and t.startswith(_CONTENT_S_TAGS):
            return False
        return t.startswith(_EDGE_TAG_PREFIXES) and not t.startswith("XR")

    while first <= last and is_edge(first):
        first += 1
    while last >= first and is_edge(last):
        last -= 1
    return (first, last) if first <= last else None


def _adjacent(starts: list[int], lens: list[int], left: int, right: int, max_gap: int = 0) -> bool:
    return starts[right] - (starts[left] + lens[left]) <= max_gap


def repair_opinion(forms: list[str], tags: list[str], starts: list[int], lens: list[int], first: int, last: int) -> tuple[int, int]:
    """Grow an opinion span the model cut mid-word, so its lemma is a real predicate.

    - a span starting on a 하/되 suffix takes its root (꼼꼼|했어요 -> 꼼꼼했어요, not 하다);
    - a prefix glued to the span's first morpheme is part of the word (불|친절해요 -> 불친절하다,
      부|정확, 무|성의, 비|위생적): without it the opinion would read as its opposite;
    - a negator or degree adverb right before the span is part of the judgement (안 | 와요);
    - a span ending on a bare negator takes the predicate it negates (안 | 돼요).
    """
    n = len(forms)
    if first > 0 and tags[first].startswith(("XSV", "XSA")) and _adjacent(starts, lens, first - 1, first) \
            and tags[first - 1].startswith(("NNG", "XR", "MAG", "NNP")):
        first -= 1
    if first > 0 and tags[first - 1] == "XPN" and _adjacent(starts, lens, first - 1, first):
        first -= 1
    if first > 0 and forms[first - 1] in _NEGATORS and tags[first - 1] == "MAG" \
            and _adjacent(starts, lens, first - 1, first, max_gap=1):
        first -= 1
    while last + 1 < n and forms[last] in _NEGATORS and tags[last] == "MAG" \
            and tags[last + 1].startswith(("VV", "VA", "NNG", "XR", "XSV", "XSA")):
        last += 1
        while last + 1 < n and tags[last + 1].startswith(("XSV", "XSA")):
            last += 1
    return first, last


def aspect_lemma(forms: list[str], tags: list[str], starts: list[int], lens: list[int], first: int, last: int) -> str:
    """Nouns of the span joined as written (배송 기사 -> '배송 기사', 배송기사 -> '배송기사')."""
    out = []
    for i in range(first, last + 1):
        if tags[i].startswith("J"):
            continue
        if out and starts[i] > starts[i - 1] + lens[i - 1]:
            out.append(" ")
        out.append(forms[i])
    return "".join(out).strip()


def opinion_lemma(
    forms: list[str], tags: list[str], lemmas: list[str], starts: list[int], lens: list[int], first: int, last: int
) -> str:
    """The predicate in dictionary form with its negation: 늦었어요 -> 늦다, 파손됐어요 -> 파손되다, 안 와요 -> 안 오다."""
    pieces: list[str] = []
    last_pred = max((i for i in range(first, last + 1) if tags[i].startswith(_PREDICATE_TAGS)), default=None)
    end = last_pred if last_pred is not None else last
    for i in range(first, end + 1):
        t = tags[i]
        if t.startswith(("E", "J", "SF", "SP", "SS")):
            continue
        if pieces and starts[i] > starts[i - 1] + lens[i - 1]:
            pieces.append(" ")
        if i == last_pred:
            lemma = lemmas[i] if lemmas[i] else forms[i]
            # 하/되 suffixes get their dictionary 다 only once, after the stem (파손+되 -> 파손되다)
            pieces.append(lemma if lemma.endswith("다") else lemma + "다")
        else:
            pieces.append(forms[i])
    return "".join(pieces).strip()


#: how an opinion span is paired with an aspect span of its sentence (config ``model.span_pairing``,
#: docs/model.md "Mention pairing"): ``nearest`` = the nearest aspect before the opinion, else the
#: nearest after, else none; ``merge_adjacent`` = the same after adjacent aspect spans (nothing, or
#: only a genitive 의, between them: 포장|상태, 회원가입|절차, 제품의|품질) are merged into one compound
#: aspect first; ``merge_skip_oblique`` = ``merge_adjacent``, skipping an aspect marked by an adverbial
#: or conjunctive particle (JKB/JC: 상품보다, 화면이랑, 비에) when an unmarked one precedes it after the
#: previous opinion; ``merge_no_bound`` = ``merge_skip_oblique`` with bound and relational nouns
#: (``_is_relational``: 때문, 덕분, 대신, …) cut out of aspect spans, so they are never part of an
#: aspect nor glue two aspects into one; ``merge_no_stop`` = ``merge_no_bound`` with person/time nouns
#: (STOP_ASPECT_NOUNS: 고객, 요즘, 하루) cut out of aspects too, and no mention from an opinion that is only
#: degree adverbs (``is_contentless_opinion``: 자꾸, 정, 좀 하다; docs/model.md "Mention precision"). The
#: modes other than ``nearest`` keep SL/SH/SN morphemes at aspect edges (``_trim``).
SPAN_PAIRINGS = ("nearest", "merge_adjacent", "merge_skip_oblique", "merge_no_bound", "merge_no_stop")
_OBLIQUE_TAGS = ("JKB", "JC")
_MERGING = ("merge_adjacent", "merge_skip_oblique", "merge_no_bound", "merge_no_stop")
_SKIPPING_OBLIQUE = ("merge_skip_oblique", "merge_no_bound", "merge_no_stop")
_CUTTING = ("merge_no_bound", "merge_no_stop")
#: common nouns (Kiwi NNG) used relationally after a noun, not naming a thing: 기획전 덕분에, 교환
#: 대신, 주문 이후, 반품 관련. Kiwi's bound nouns (NNB: 때문, 중, 시, 등) are caught by their tag; these
#: it tags NNG, so only a list can tell (docs/model.md "Bound and relational nouns out of aspects").
RELATIONAL_NOUNS = frozenset({
    "덕분", "대신", "때문", "관련", "정도", "이후", "이전", "직후", "경우", "자체", "전", "후", "동안", "때",
})
_NUMBER_TAGS = ("SN", "NR")


def _is_relational(forms, tags, i: int) -> bool:
    """A bound noun (NNB) not counting a number (3일, 5000원 stay), or a RELATIONAL_NOUNS noun."""
    if tags[i] == "NNB":
        return not (i > 0 and tags[i - 1] in _NUMBER_TAGS)
    return tags[i] == "NNG" and forms[i] in RELATIONAL_NOUNS


def _is_stop_noun(forms, tags, starts, lens, i: int, last: int) -> bool:
    """A STOP_ASPECT_NOUNS person/time noun not glued to a noun after it in the span (고객, 고객님 and
    요즘 배송's 요즘 are cut; 고객센터 is a compound and stays)."""
    return tags[i] in ("NNG", "NNP", "NP") and forms[i] in STOP_ASPECT_NOUNS \
        and not (i < last and tags[i + 1] in ("NNG", "NNP") and _gap(starts, lens, i, i + 1) == 0)


def _cut_relational(forms, tags, first: int, last: int, stop: bool = False, starts=None,
                    lens=None) -> list[tuple[int, int]]:
    """(first, last) pieces of a span with its bound/relational nouns cut out (possibly none); ``stop``
    (with ``starts``/``lens``): its person/time nouns (``_is_stop_noun``) too."""
    pieces, start = [], first
    for i in range(first, last + 1):
        if _is_relational(forms, tags, i) or (stop and _is_stop_noun(forms, tags, starts, lens, i, last)):
            if start < i:
                pieces.append((start, i - 1))
            start = i + 1
    if start <= last:
        pieces.append((start, last))
    return pieces


def _merge_adjacent_aspects(aspects: list[_Span], tags) -> list[_Span]:
    """Aspect spans (trimmed, in order) with each run of adjacent ones merged into one: no morpheme
    between two spans, or only a genitive particle (JKG 의). The merged span's confidence is the
    morpheme-weighted mean of its parts'."""
    out: list[_Span] = []
    for a in aspects:
        if out:
            prev = out[-1]
            between = range(prev.last + 1, a.first)
            if all(tags[i] == "JKG" for i in between) and len(between) <= 1:
                n_prev, n_a = prev.last - prev.first + 1, a.last - a.first + 1
                conf = (prev.confidence * n_prev + a.confidence * n_a) / (n_prev + n_a)
                out[-1] = _Span("ASP", prev.first, a.last, conf)
                continue
        out.append(a)
    return out


def sentence_mentions(forms, tags, lemmas, starts, lens, labels, confidence, pairing: str = "nearest") -> list[dict]:
    """One sentence's mentions from its morphemes' BIO labels: the one pairing code the tag stage
    (``mentions_for_sentence``) and ``models.evaluate.span_eval``'s mention score both run.

    Each mention: aspect, opinion, polarity, start, end, confidence (the mentions frame's fields) plus
    ``aspect_span`` / ``opinion_span``: (start, end_exclusive) character offsets (into the text that
    ``starts`` index) of the paired aspect's morphemes (None when implicit) and of the (repaired) opinion's.
    ``pairing``: SPAN_PAIRINGS.
    """
    if pairing not in SPAN_PAIRINGS:
        raise ValueError(f"span_pairing must be one of {', '.join(SPAN_PAIRINGS)}, not {pairing!r}")
    spans = decode_spans(list(labels), list(confidence))
    aspects, opinions = [], []
    for s in spans:
        pieces = [(s.first, s.last)]
        if s.kind == "ASP" and pairing in _CUTTING:
            pieces = _cut_relational(forms, tags, s.first, s.last, pairing == "merge_no_stop", starts, lens)
        for first, last in pieces:
            trimmed = _trim(tags, first, last, keep_predicate_suffix=s.kind != "ASP",
                            keep_foreign=pairing != "nearest")
            if trimmed is None:
                continue
            span = _Span(s.kind, trimmed[0], trimmed[1], s.confidence)
            (aspects if s.kind == "ASP" else opinions).append(span)
    if pairing in _MERGING:
        aspects = _merge_adjacent_aspects(aspects, tags)
    out = []
    previous_opinion_end = -1
    for op in opinions:
        first, last = repair_opinion(forms, tags, starts, lens, op.first, op.last)
        op = _Span(op.kind, first, last, op.confidence)
        # Korean is head-final: the judged noun usually precedes its predicate; fall back to the nearest after.
        before = [a for a in aspects if a.last < op.first]
        after = [a for a in aspects if a.first > op.last]
        asp = before[-1] if before else (after[0] if after else None)
        if pairing in _SKIPPING_OBLIQUE and before:
            # the standard of a comparison or a place (상품보다, 화면이랑, 비에) is not what is judged
            # when an unmarked aspect precedes it in this clause (after the previous opinion)
            clause = [a for a in before if a.first > previous_opinion_end]
            unmarked = [a for a in clause if not (a.last + 1 < len(tags) and tags[a.last + 1] in _OBLIQUE_TAGS)]
            if clause and asp is clause[-1] and unmarked and unmarked[-1] is not asp:
                asp = unmarked[-1]
        previous_opinion_end = op.last
        opinion = opinion_lemma(forms, tags, lemmas, starts, lens, op.first, op.last)
        if not opinion or opinion in CONTENTLESS_OPINIONS or (pairing == "merge_no_stop"
                                                               and is_contentless_opinion(opinion)):
            continue
        aspect = aspect_lemma(forms, tags, starts, lens, asp.first, asp.last) if asp else None
        lo = min(op.first, asp.first) if asp else op.first
        hi = max(op.last, asp.last) if asp else op.last
        start, end = _surface("", starts, lens, lo, hi)
        conf = op.confidence if asp is None else (op.confidence + asp.confidence) / 2
        out.append({
            "aspect": aspect or None,
            "opinion": opinion,
            "polarity": "pain" if op.kind == "NEG" else "praise",
            "start": start,
            "end": end,
            "confidence": round(conf, 4),
            "aspect_span": _surface("", starts, lens, asp.first, asp.last) if asp else None,
            "opinion_span": _surface("", starts, lens, op.first, op.last),
        })
    return out


def mentions_for_sentence(
    record_id: str, sentence_index: int, forms, tags, lemmas, starts, lens, labels, confidence,
    pairing: str = "nearest",
) -> list[dict]:
    """The mentions frame's rows (MENTION_FRAME_COLUMNS) of one sentence (``sentence_mentions``)."""
    return [{"record_id": record_id, "sentence_index": sentence_index,
             **{k: m[k] for k in MENTION_FRAME_COLUMNS[2:]}}
            for m in sentence_mentions(forms, tags, lemmas, starts, lens, labels, confidence, pairing)]


class Tagger:
    """Stage wrapper: holds a loaded model and labels sentence frames from the tokenize stage;
    ``record_probabilities`` gives the records' probabilities under ``record_pass`` (RECORD_PASSES)."""

    def __init__(self, model, record_pass: str = "mean", span_fusion: str = "model", lexicon=None,
                 domain_yaml=None, span_pairing: str = "nearest", opinion_fill: str = "none",
                 opinion_fill_confidence: float = OPINION_FILL_CONFIDENCE) -> None:
        if record_pass not in RECORD_PASSES:
            raise ValueError(f"record_pass must be one of {', '.join(RECORD_PASSES)}, not {record_pass!r}")
        if span_fusion not in SPAN_FUSIONS:
            raise ValueError(f"span_fusion must be one of {', '.join(SPAN_FUSIONS)}, not {span_fusion!r}")
        if span_pairing not in SPAN_PAIRINGS:
            raise ValueError(f"span_pairing must be one of {', '.join(SPAN_PAIRINGS)}, not {span_pairing!r}")
        if opinion_fill not in OPINION_FILLS:
            raise ValueError(f"opinion_fill must be one of {', '.join(OPINION_FILLS)}, not {opinion_fill!r}")
        self.model = model
        self.opinion_fill = opinion_fill
        self.opinion_fill_confidence = float(opinion_fill_confidence)
        self.span_pairing = span_pairing
        self.record_pass = record_pass
        self.span_fusion = span_fusion
        self.lexicon = lexicon
        if span_fusion != "model" and lexicon is None:
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
                if fill != "none":
                    labels, confidence = fill_opinion_labels(forms, tags, starts, lens, labels, probs[i], fill,
                                                             self.opinion_fill_confidence, confidence)
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
