"""Place mentions and sentences on the journey stages of the configured domain taxonomy.

Rules, in order (first that decides wins):
1. the mention's aspect (after synonyms) is a stage keyword, or contains one (longest wins);
2. a stage keyword among the sentence's noun lemmas, the one nearest the mention;
3. a stage pattern (regex) matching the sentence text;
4. otherwise ``unmapped`` (kept and counted, never dropped).
A sentence's stage is the stage most of its mentions have; without mentions, rules 2-3 over the
sentence. A record's stages are the distinct mapped stages of its sentences and mentions.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from voc_pipeline.errors import ConfigError
from voc_pipeline.schema import UNMAPPED_STAGE

# Cleared when full; small enough to fill early in a run, so RSS stops growing there (at 200k it grew
# to the end of a 1M run: benchmarks/README.md, "RSS creep"). A miss is a few dict lookups.
_ASPECT_CACHE_SIZE = 32_768
_NOUN_TAGS = ("NNG", "NNP", "SL", "XR")
_COMPOUND_TAGS = (*_NOUN_TAGS, "XPN", "XSN")


def _noun_runs(lemmas, tags, starts=None) -> list[tuple[int, str]]:
    """(position, joined text) of each run of adjacent nominal morphemes that holds a noun."""
    runs: list[tuple[int, str]] = []
    current: list[str] = []
    begin = 0
    has_noun = False
    for i, (lemma, tag) in enumerate(zip(lemmas, tags, strict=False)):
        if tag.startswith(_COMPOUND_TAGS):
            if not current:
                begin = starts[i] if starts is not None else i
            current.append(lemma)
            has_noun = has_noun or tag.startswith(_NOUN_TAGS)
            continue
        if current and has_noun:
            runs.append((begin, "".join(current)))
        current, has_noun = [], False
    if current and has_noun:
        runs.append((begin, "".join(current)))
    return runs


def _first_chars(pattern: str) -> str | None:
    """A character-class body holding every character a match of ``pattern`` can start with, or None
    when that is not simply known (a leading optional part, an anchor, a flag): then no shortcut."""
    try:
        from re import _parser as sre
    except ImportError:  # Python < 3.11
        import sre_parse as sre  # type: ignore[no-redef]

    try:
        parsed = sre.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return None

    def first(items) -> str | None:
        if not len(items):
            return None
        op, av = items[0]
        if op is sre.LITERAL:
            return re.escape(chr(av))
        if op is sre.IN:
            out = []
            for o, a in av:
                if o is sre.LITERAL:
                    out.append(re.escape(chr(a)))
                elif o is sre.RANGE:
                    out.append(f"{re.escape(chr(a[0]))}-{re.escape(chr(a[1]))}")
                elif o is sre.CATEGORY and a is sre.CATEGORY_DIGIT:
                    out.append(r"\d")
                else:
                    return None
            return "".join(out)
        if op is sre.SUBPATTERN:
            return first(av[-1])
        if op is sre.BRANCH:
            alts = [first(alt) for alt in av[1]]
            return "".join(alts) if all(alts) else None
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[0] >= 1:
            return first(av[2])
        return None

    return first(parsed)


@dataclass(frozen=True)
class Stage:
    id: str
    name: str
    keywords: tuple[str, ...]
    patterns: tuple[re.Pattern, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Taxonomy:
    domain: str
    name: str
    stages: tuple[Stage, ...]
    synonyms: dict[str, str] = field(default_factory=dict)
    opinion_synonyms: dict[str, str] = field(default_factory=dict)

    @property
    def stage_ids(self) -> list[str]:
        return [s.id for s in self.stages]

    def stage_name(self, stage_id: str) -> str:
        for s in self.stages:
            if s.id == stage_id:
                return s.name
        return "미분류" if stage_id == UNMAPPED_STAGE else stage_id

    def order(self, stage_id: str) -> int:
        ids = self.stage_ids
        return ids.index(stage_id) if stage_id in ids else len(ids)


def load_taxonomy(path: str | Path) -> Taxonomy:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"도메인 파일을 읽을 수 없습니다: {path}: {err}", f"cannot read domain file {path}: {err}") from None
    try:
        stages = tuple(
            Stage(
                id=str(s["id"]),
                name=str(s.get("name", s["id"])),
                keywords=tuple(str(k) for k in s.get("keywords") or ()),
                patterns=tuple(re.compile(p) for p in s.get("patterns") or ()),
                description=str(s.get("description", "")),
            )
            for s in data["stages"]
        )
    except (KeyError, TypeError, re.error) as err:
        raise ConfigError(
            f"도메인 파일 형식 오류 {path}: stages[].id/keywords/patterns ({err})",
            f"bad domain file {path}: stages[].id/keywords/patterns ({err})",
        ) from None
    if not stages:
        raise ConfigError(f"도메인 파일에 단계가 없습니다: {path}", f"domain file has no stages: {path}")
    synonyms = {str(k): str(v) for k, v in (data.get("synonyms") or {}).items()}
    opinion_synonyms = {str(k): str(v) for k, v in (data.get("opinion_synonyms") or {}).items()}
    return Taxonomy(domain=str(data.get("domain", path.stem)), name=str(data.get("name", path.stem)),
                    stages=stages, synonyms=synonyms, opinion_synonyms=opinion_synonyms)


class JourneyMapper:
    """Maps aspects/sentences to stage ids; build once per run from a Taxonomy."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self._keyword_stage: dict[str, str] = {}
        for stage in taxonomy.stages:
            for kw in stage.keywords:
                self._keyword_stage.setdefault(kw.replace(" ", ""), stage.id)
        # longest keywords first so that 배송비 (payment) beats 배송 (delivery) inside 배송비환불; among
        # keywords of one length the first configured wins. Looked up by the key's substrings of each
        # keyword length (a few dict probes) instead of scanning every keyword.
        self._by_length = sorted(self._keyword_stage, key=len, reverse=True)
        self._rank = {kw: i for i, kw in enumerate(self._by_length)}
        self._lengths = sorted({len(kw) for kw in self._by_length if len(kw) >= 2}, reverse=True)
        # stage_of_aspect is pure and its inputs are Zipfian (the same noun runs again and again):
        # memoised, bounded. Without it the substring scan was the largest item of the profile.
        self._aspect_cache: dict[str, str | None] = {}
        # One alternation of every stage pattern: most sentences match none, and one search says so.
        # A lookahead on the characters a match can start with (when every pattern says) lets the
        # regex engine skip most positions: 5x faster on the commerce patterns.
        patterns = [p.pattern for s in taxonomy.stages for p in s.patterns]
        self._has_patterns = bool(patterns)
        starts = [_first_chars(p) for p in patterns]
        guard = f"(?=[{''.join(starts)}])" if patterns and all(starts) else ""
        try:
            self._any_pattern: re.Pattern | None = re.compile(guard + "(?:" + "|".join(f"(?:{p})" for p in patterns) + ")")
        except re.error:  # e.g. a pattern with an inline global flag cannot be inside an alternation
            self._any_pattern = None

    def normalise_aspect(self, aspect: str | None) -> str | None:
        if not isinstance(aspect, str) or not aspect:  # None or a pandas NA
            return None
        key = aspect.replace(" ", "")
        return self.taxonomy.synonyms.get(key, self.taxonomy.synonyms.get(aspect, aspect))

    def keyword(self, aspect: str | None, opinion: str) -> str:
        """Stable pain-point key: normalised aspect + opinion lemma ('배송+늦다'); opinion alone when implicit.

        Spaces inside the aspect are dropped (배송 기사 == 배송기사): Korean spacing in VOC is free.
        Opinions go through the domain's ``opinion_synonyms`` (느리다/늦다/지연되다 -> 지연)."""
        aspect = (self.normalise_aspect(aspect) or "").replace(" ", "")
        aspect = self.taxonomy.synonyms.get(aspect, aspect)
        opinion = self.taxonomy.opinion_synonyms.get(opinion, opinion)
        return f"{aspect}+{opinion}" if aspect else opinion

    def stage_of_aspect(self, aspect: str | None) -> str | None:
        if not isinstance(aspect, str):
            return self._stage_of_aspect(aspect)
        cache = self._aspect_cache
        if aspect in cache:
            return cache[aspect]
        if len(cache) >= _ASPECT_CACHE_SIZE:
            cache.clear()
        stage = cache[aspect] = self._stage_of_aspect(aspect)
        return stage

    def _stage_of_aspect(self, aspect: str | None) -> str | None:
        key = (self.normalise_aspect(aspect) or "").replace(" ", "")
        if not key:
            return None
        if key in self._keyword_stage:
            return self._keyword_stage[key]
        rank = self._rank
        for n in self._lengths:
            inside = [key[i:i + n] for i in range(len(key) - n + 1) if key[i:i + n] in rank]
            if inside:
                return self._keyword_stage[min(inside, key=rank.__getitem__)]
        return None

    def stage_of_sentence(self, text: str, lemmas, tags, near: int | None = None, starts=None) -> str | None:
        """Stage keywords among the sentence's nouns, the one nearest ``near`` (a char offset) winning.

        Kiwi splits compounds (택배사 -> 택배+사, 재구매 -> 재+구매), so adjacent nominal morphemes are
        joined into runs first and each run is matched like an aspect (exact, then longest keyword inside).
        """
        hits: list[tuple[int, str]] = []
        for pos, run in _noun_runs(lemmas, tags, starts):
            stage = self.stage_of_aspect(run)
            if stage is not None:
                hits.append((abs(pos - near) if near is not None else pos, stage))
        if hits:
            return min(hits)[1]
        if not self._has_patterns or (self._any_pattern is not None and not self._any_pattern.search(text)):
            return None
        for stage in self.taxonomy.stages:
            if any(p.search(text) for p in stage.patterns):
                return stage.id
        return None

    def __call__(self, sentences: pd.DataFrame, mentions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Adds `stage` to sentences and `stage` + `keyword` to mentions."""
        sentences = sentences.copy()
        mentions = mentions.copy()
        by_key = {
            (rid, idx): (text, lemmas, tags, starts)
            for rid, idx, text, lemmas, tags, starts, in sentences[
                ["record_id", "sentence_index", "text", "lemmas", "tags", "starts"]
            ].itertuples(index=False, name=None)
        }
        stages, keywords = [], []
        for rid, idx, aspect, opinion, start in mentions[
            ["record_id", "sentence_index", "aspect", "opinion", "start"]
        ].itertuples(index=False, name=None):
            stage = self.stage_of_aspect(aspect)
            if stage is None and (rid, idx) in by_key:
                text, lemmas, tags, starts = by_key[(rid, idx)]
                stage = self.stage_of_sentence(text, lemmas, tags, near=start, starts=starts)
            stages.append(stage or UNMAPPED_STAGE)
            keywords.append(self.keyword(aspect, opinion))
        mentions["stage"] = stages
        mentions["keyword"] = keywords

        votes: dict[tuple, Counter] = {}
        for rid, idx, stage in zip(mentions["record_id"], mentions["sentence_index"], stages, strict=True):
            if stage != UNMAPPED_STAGE:
                votes.setdefault((rid, idx), Counter())[stage] += 1
        # the most frequent stage; a tie goes to the stage of the sentence's first mention
        mention_stage = {key: max(c.items(), key=lambda kv: kv[1])[0] for key, c in votes.items()}
        sentence_stages = []
        for rid, idx, text, lemmas, tags in sentences[
            ["record_id", "sentence_index", "text", "lemmas", "tags"]
        ].itertuples(index=False, name=None):
            stage = mention_stage.get((rid, idx)) or self.stage_of_sentence(text, lemmas, tags)
            sentence_stages.append(stage or UNMAPPED_STAGE)
        sentences["stage"] = sentence_stages
        return sentences, mentions

    def record_stages(self, records: pd.DataFrame, sentences: pd.DataFrame, mentions: pd.DataFrame) -> pd.DataFrame:
        records = records.copy()
        per_record: dict[str, set[str]] = {}
        for frame in (sentences, mentions):
            if frame.empty:
                continue
            for rid, stage in frame[["record_id", "stage"]].itertuples(index=False, name=None):
                if stage != UNMAPPED_STAGE:
                    per_record.setdefault(rid, set()).add(stage)
        records["stages"] = [
            sorted(per_record.get(rid, ()), key=self.taxonomy.order) for rid in records["record_id"]
        ]
        return records
