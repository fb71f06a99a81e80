"""Mentions from one sentence's BIO labels: spans repaired and trimmed, aspects cut and merged,
each opinion paired with the aspect it judges (``model.span_pairing``, docs/model.md "Mention
pairing"), lemmas and character offsets."""

from __future__ import annotations

from dataclasses import dataclass

from voc_pipeline.stages._tag.fusion import _bio_spans

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


def _gap(starts, lens, left: int, right: int) -> int:
    return starts[right] - (starts[left] + lens[left])


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
