"""Weak span labels over Kiwi morphemes: lexicon + noun–predicate pairs + sentiment contrast.

There are no public Korean aspect/opinion span labels, so the span head is trained on labels made
here (docs/model.md §3) and the transformer generalises past them:

1. opinion lexicon (lemmas; noun/root + 하다/되다/스럽다 and noun + 없다/나다 matched as one opinion),
   with negation: a preceding 안/못 or a following -지 않다/못하다/없다 flips the polarity and joins
   the span ("안 좋다", "빠르지 않다" -> NEG);
2. aspect lexicon (resources/lexicon.yaml, plus a domain taxonomy's keywords when given), noun
   compounds merged ("택배 기사");
3. noun–predicate pairs: a common noun that is the subject/topic of an opinion ("X이/가/은/는 +
   opinion") becomes an aspect even when it is not in the lexicon;
4. sentiment contrast: in a sentence whose weak sentiment label is confident (rating 1–2 / 10,
   synthetic text), an adjective that is the predicate of such a noun and is not in the lexicon
   becomes an opinion with the sentence's polarity.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from voc_pipeline.schema import SPAN_LABELS

PRED_BASES = {"VV", "VA", "VX"}
NOUNISH = {"NNG", "NNP", "XR", "MAG", "SL"}
DERIV = {"XSA", "XSV"}
SUBJ_PARTICLES = {"JKS", "JX", "JKB", "JKC"}
GENERIC_NOUNS = {
    "것", "거", "수", "때", "정도", "진짜", "정말", "생각", "사람", "이거", "그거", "저거", "이번", "그냥", "나",
    "저", "제", "우리", "점", "번", "중", "말", "일", "뭐", "부분", "느낌", "기분", "마음", "이유", "결과", "처음",
    "오늘", "어제", "내일", "지금", "다음", "이상", "이하", "하나", "둘", "편", "쪽", "면", "듯", "뿐", "만큼", "날",
}
NEG_PREFIX = {("안", "MAG"), ("못", "MAG")}
NEG_FOLLOW = {("않", "VX"), ("못하", "VX"), ("없", "VA"), ("아니", "VCN")}


def _base(tag: str) -> str:
    return tag.split("-")[0]


@dataclass
class Lexicon:
    aspects: dict[str, str] = field(default_factory=dict)  # lemma -> stage hint
    neg: set[str] = field(default_factory=set)
    pos: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, path: str | Path | None = None, domain_yaml: str | Path | None = None) -> Lexicon:
        if path is None:
            text = (resources.files("voc_pipeline") / "resources" / "lexicon.yaml").read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        lex = cls()
        for stage, words in (data.get("aspects") or {}).items():
            for w in words:
                lex.aspects.setdefault(str(w), stage)
        lex.neg = {str(w) for w in data["opinions"]["neg"]}
        lex.pos = {str(w) for w in data["opinions"]["pos"]} - lex.neg
        if domain_yaml is not None and Path(domain_yaml).is_file():
            dom = yaml.safe_load(Path(domain_yaml).read_text(encoding="utf-8")) or {}
            for st in dom.get("stages") or []:
                for w in st.get("keywords") or []:
                    lex.aspects.setdefault(str(w), st["id"])
        return lex

    def to_yaml(self) -> str:
        by_stage: dict[str, list[str]] = {}
        for w, st in self.aspects.items():
            by_stage.setdefault(st, []).append(w)
        return yaml.safe_dump({"aspects": by_stage, "opinions": {"neg": sorted(self.neg), "pos": sorted(self.pos)}},
                              allow_unicode=True, sort_keys=True)


def _lemma1(form: str, tag: str) -> str:
    return form + "다" if _base(tag) in PRED_BASES or tag in {"VCN"} else form


def _opinion_at(morphs: Sequence[tuple[str, str]], i: int, lex: Lexicon) -> tuple[int, str] | None:
    """(end_exclusive, 'neg'|'pos') of a lexicon opinion starting at morpheme i, else None."""
    form, tag = morphs[i]
    if tag == "XPN" and i + 1 < len(morphs) and _base(morphs[i + 1][1]) in NOUNISH:
        # 불+친절+하다, 무+성의+하다: judge the prefixed root as one word
        merged = [(form + morphs[i + 1][0], morphs[i + 1][1]), *morphs[i + 2:i + 3]]
        hit = _opinion_at(merged, 0, lex)
        return (i + hit[0] + 1, hit[1]) if hit else None
    b = _base(tag)
    if i + 1 < len(morphs):
        f2, t2 = morphs[i + 1]
        b2 = _base(t2)
        if b in NOUNISH and (b2 in DERIV or (b2 in PRED_BASES and f2 in {"없", "나", "되", "하"})):
            lem = form + f2 + "다"
            if lem in lex.neg:
                return i + 2, "neg"
            if lem in lex.pos:
                return i + 2, "pos"
            if form in lex.neg and b2 in DERIV:
                return i + 2, "neg"
            if form in lex.pos and b2 in DERIV:
                return i + 2, "pos"
    if b not in PRED_BASES and b not in {"NNG", "XR", "MAG", "IC", "NNP", "SL"}:
        return None
    if b == "VX":
        return None
    lem = _lemma1(form, tag)
    if lem in lex.neg or (b not in PRED_BASES and form in lex.neg):
        return i + 1, "neg"
    if lem in lex.pos or (b not in PRED_BASES and form in lex.pos):
        return i + 1, "pos"
    return None


def _apply_negation(morphs, start: int, end: int, pol: str) -> tuple[int, int, str]:
    if start > 0 and tuple(morphs[start - 1]) in NEG_PREFIX:
        return start - 1, end, ("pos" if pol == "neg" else "neg")
    j = end
    if j < len(morphs) and morphs[j][1] == "EC" and morphs[j][0] in {"지", "게"}:
        j += 1
    if j < len(morphs) and (morphs[j][0], _base(morphs[j][1])) in NEG_FOLLOW and j > end:
        return start, j + 1, ("pos" if pol == "neg" else "neg")
    return start, end, pol


def weak_spans(morphs: Sequence[tuple[str, str]], lex: Lexicon, sentence_label: str | None = None,
               confident: bool = False) -> list[str]:
    """BIO labels (SPAN_LABELS) for one morpheme sequence."""
    n = len(morphs)
    labels = ["O"] * n
    opinions: list[tuple[int, int, str]] = []
    i = 0
    while i < n:
        hit = _opinion_at(morphs, i, lex)
        if hit is None:
            i += 1
            continue
        end, pol = hit
        s, e, pol = _apply_negation(morphs, i, end, pol)
        if s < i and opinions and opinions[-1][1] > s:
            s = i
        opinions.append((s, e, pol))
        i = e
    # aspects from the lexicon (noun compounds merged)
    aspects: list[tuple[int, int]] = []
    taken = [False] * n
    for s, e, _ in opinions:
        for k in range(s, e):
            taken[k] = True
    i = 0
    while i < n:
        f, t = morphs[i]
        if t in {"NNG", "NNP", "SL"} and not taken[i] and f in lex.aspects:
            s = i
            while s > 0 and morphs[s - 1][1] in {"NNG", "NNP"} and not taken[s - 1] and i - s < 2 \
                    and morphs[s - 1][0] not in GENERIC_NOUNS:
                s -= 1
            e = i + 1
            while e < n and morphs[e][1] in {"NNG"} and not taken[e] and e - s < 3 and morphs[e][0] in lex.aspects:
                e += 1
            aspects.append((s, e))
            for k in range(s, e):
                taken[k] = True
            i = e
            continue
        i += 1
    # noun–predicate pairs: NNG + particle (+ adverbs) + opinion -> aspect
    opin_starts = {s: (e, pol) for s, e, pol in opinions}
    is_aspect = [False] * n
    for s, e in aspects:
        for k in range(s, e):
            is_aspect[k] = True
    for i in range(n - 1):
        f, t = morphs[i]
        if t != "NNG" or (taken[i] and not is_aspect[i]) or f in GENERIC_NOUNS or (len(f) < 2 and not is_aspect[i]):
            continue
        j = i + 1
        if j < n and morphs[j][1] in SUBJ_PARTICLES:
            j += 1
        else:
            continue
        while j < n and morphs[j][1] == "MAG" and j - i < 4 and j not in opin_starts:
            j += 1
        if j in opin_starts:
            if not is_aspect[i]:
                aspects.append((i, i + 1))
                taken[i] = True
        elif confident and sentence_label in {"neg", "pos"} and j < n and _base(morphs[j][1]) == "VA" \
                and not taken[j] and morphs[j][0] not in {"있", "없", "같", "이렇", "그렇", "어떻", "많", "다르"}:
            # sentiment contrast: unknown adjective predicated of a noun in a confident sentence
            opinions.append((j, j + 1, sentence_label))
            taken[j] = True
            if not is_aspect[i]:
                aspects.append((i, i + 1))
                taken[i] = True
    for s, e, pol in opinions:
        tag = "NEG" if pol == "neg" else "POS"
        labels[s] = f"B-{tag}"
        for k in range(s + 1, e):
            labels[k] = f"I-{tag}"
    for s, e in aspects:
        if labels[s] != "O":
            continue
        labels[s] = "B-ASP"
        for k in range(s + 1, e):
            if labels[k] == "O":
                labels[k] = "I-ASP"
    return labels


def lexicon_tagger(sentences: Iterable[Sequence[tuple[str, str]]], lex: Lexicon | None = None) -> list[list[str]]:
    """The lexicon-only baseline (no sentence label): what the model is compared against."""
    lex = lex or Lexicon.load()
    return [weak_spans(s, lex) for s in sentences]


assert set(SPAN_LABELS) >= {"O", "B-ASP", "I-ASP", "B-NEG", "I-NEG", "B-POS", "I-POS"}


ENDING_TAGS = {"EP", "EF", "EC", "ETM", "ETN"}


def extend_endings(morphs: Sequence[tuple[str, str]], labels: list[str]) -> list[str]:
    """Opinion spans take the endings that follow their last morpheme (늦+었+어요): the surface a
    reader quotes ("늦었어요"), so mentions read naturally and match human span boundaries."""
    out = list(labels)
    n = len(out)
    for i in range(n):
        if out[i][2:] in {"NEG", "POS"} and (i + 1 >= n or out[i + 1] == "O"):
            kind = out[i][2:]
            j = i + 1
            while j < n and out[j] == "O" and _base(morphs[j][1]) in ENDING_TAGS:
                out[j] = f"I-{kind}"
                j += 1
    return out
