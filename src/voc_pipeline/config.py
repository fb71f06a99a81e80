"""The one validated configuration object that flows into every stage.

Loaded from YAML (``load_config``) or built from an inferred column mapping when the user runs
without a config. Validation errors name the offending key and the allowed values.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from voc_pipeline.errors import ConfigError

Channel = Literal["complaint", "review", "chat", "agent_note", "survey", "email", "other"]
FileFormat = Literal["auto", "csv", "xlsx", "jsonl", "parquet"]
PiiType = Literal[
    "phone", "rrn", "foreigner_id", "business_no", "card", "account", "email",
    "passport", "driver_license", "address", "name",
]
ALL_PII_TYPES: tuple[str, ...] = PiiType.__args__  # type: ignore[attr-defined]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnMapping(_Strict):
    """Which column of an export holds which field. Only ``text`` is required."""

    id: str | None = None
    text: str | list[str]
    created_at: str | None = None
    rating: str | None = None
    rating_scale: float | None = Field(
        default=None, description="max of the rating scale (5, 10, 100); inferred when omitted"
    )
    nps: str | None = None
    customer_key: str | None = None
    product: str | None = None
    conversation_id: str | None = None
    speaker: str | None = None
    turn: str | None = None

    @property
    def text_columns(self) -> list[str]:
        return [self.text] if isinstance(self.text, str) else list(self.text)


class SourceConfig(_Strict):
    name: str
    channel: Channel
    path: str = Field(description="file, directory or glob, relative to the config file")
    format: FileFormat = "auto"
    encoding: str | None = None
    sheet: str | int | None = None
    columns: ColumnMapping
    customer_speakers: list[str] = Field(
        default_factory=lambda: ["customer", "고객", "user", "client", "손님"]
    )

    @field_validator("name")
    @classmethod
    def _name_is_simple(cls, v: str) -> str:
        if not v or any(c in v for c in "/\\=\n"):
            raise ValueError("name must be non-empty without '/', '\\\\', '=' or newlines")
        return v


class ModelConfig(_Strict):
    path: str | None = Field(default=None, description="model directory; None = embedded default")
    batch_size: int = Field(default=64, ge=1, le=4096)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    backend: Literal["auto", "onnx", "torch"] = Field(
        default="auto", description="auto: int8 ONNX Runtime on CPU when the model directory has it, else torch")
    record_pass: Literal["mean", "whole", "blend"] = Field(
        default="whole",
        description="records.sentiment: whole = one more model pass over a record of 2+ sentences that fits the "
                    "model's window (else the mean), the unit the voc fusion is fitted at; mean = the length-"
                    "weighted mean of the record's sentences; blend = the average of the two (stages/tag.py "
                    "RECORD_PASSES, docs/model.md 'The VOC fusion with the whole-record pass')")
    sentiment_fusion: Literal["voc", "general"] = Field(
        default="voc",
        description="which calibration of the sentiment fusion (model ⊕ n-gram heads) scores sentences: voc = "
                    "fitted on hand-written VOC records (shop reviews, tickets, chat; data/dev), general = fitted on "
                    "the training corpora (movie reviews, comments); a model directory without a voc fusion uses "
                    "general (models/ngram_head.py, docs/model.md 'A VOC fusion beside the general one')")
    span_fusion: Literal["model", "fill", "lexicon_aspects", "union"] = Field(
        default="fill",
        description="mentions from the model's spans fused with the lexicon's (the model directory's lexicon.yaml + "
                    "the domain's stage keywords): model = the model's only; fill = plus the lexicon's aspect spans "
                    "where the model tagged nothing; lexicon_aspects = the lexicon's aspects instead of the model's; "
                    "union = fill plus the lexicon's opinion spans (stages/tag.py SPAN_FUSIONS; chosen on "
                    "data/dev, docs/model.md 'Span fusion')")
    span_pairing: Literal["nearest", "merge_adjacent", "merge_skip_oblique", "merge_no_bound", "merge_no_stop"] = Field(
        default="merge_no_stop",
        description="how a mention pairs its opinion with an aspect of the sentence: nearest = the nearest aspect "
                    "before the opinion, else after; merge_adjacent = the same after adjacent aspect spans (nothing "
                    "or a genitive 의 between) are merged into one compound aspect; merge_skip_oblique = "
                    "merge_adjacent, passing over an aspect marked by 보다/만큼/이랑/에/으로 (JKB/JC) when an unmarked "
                    "one precedes it in the clause; merge_no_bound = merge_skip_oblique with bound/relational nouns "
                    "(때문, 덕분, 대신, 관련, …) cut out of aspects, so they never glue two aspects into one; "
                    "merge_no_stop = merge_no_bound with person/time nouns (고객, 요즘, 오늘, …) cut out of aspects "
                    "too and no mention from an opinion made only of degree adverbs (자꾸, 정, 좀 하다) "
                    "(stages/tag.py SPAN_PAIRINGS; chosen on data/dev, docs/model.md "
                    "'Mention pairing', 'Mention precision')")
    opinion_fill: Literal["none", "predicate", "predicate_subject", "predicate_guarded"] = Field(
        default="predicate_guarded",
        description="how an aspect that no opinion span judges gets one, in a sentence whose sentiment is "
                    "confidently neg or pos (opinion_fill_confidence): none = it does not; predicate = each such "
                    "aspect takes the predicate that governs it (the first predicate after it, before the next "
                    "aspect, with its 안/못 or -지 않다) as an opinion with the sentence's polarity; "
                    "predicate_subject = predicate, and in a sentence with no span at all a subject/topic noun "
                    "(noun + 이/가/은/는/도) becomes the aspect first; predicate_guarded = predicate_subject without "
                    "predicates that judge nothing (requests -주세요, questions, reported speech -다고, a background "
                    "action alone, a copula on a bound noun: 중이다) and without person/time subjects "
                    "(stages/tag.py OPINION_FILLS; chosen on "
                    "data/dev, docs/model.md 'Opinion fill', 'Mention precision')")
    opinion_fill_confidence: float = Field(
        default=0.5, ge=0.0, le=1.0,
        description="the sentence sentiment probability (neg or pos) at or above which opinion_fill acts (0.5: "
                    "chosen with predicate_subject on data/dev, docs/model.md 'Opinion fill')")
    opinion_polarity: Literal["none", "lexicon", "lexicon_negation", "lexicon_contrast"] = Field(
        default="none",
        description="an opinion's polarity (pain/praise) from its own words, over the model's span label and "
                    "the fill's sentence polarity: none = as labelled; lexicon = an opinion the polarity lexicon "
                    "knows takes its polarity (with 안/못, -지 않다, 없다 after a noun, and a negating prefix "
                    "불/부/무/비/미: 부정확하다 -> pain); lexicon_negation = lexicon, and a negated predicate it does "
                    "not know is pain (안 와요, 빠지질 않아요); lexicon_contrast = lexicon_negation, and a fill "
                    "opinion after -지만/-는데 takes the opposite of the opinion before it (stages/tag.py "
                    "OPINION_POLARITIES; docs/model.md 'Opinion polarity')")


class PrivacyConfig(_Strict):
    mask: list[PiiType] = Field(default_factory=lambda: list(ALL_PII_TYPES))
    secret_env: str = "VOC_PIPELINE_SECRET"


class UserWord(_Strict):
    word: str
    tag: str = "NNP"
    score: float = 0.0


def default_valid_until(tz: str, now: datetime | None = None) -> date:
    """Tomorrow in ``tz`` (``now`` default the current time): ``period.valid_until`` when unset."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(tz)).date() + timedelta(days=1)


class PeriodConfig(_Strict):
    granularity: Literal["week", "month", "day"] = "week"
    timezone: str = "Asia/Seoul"
    valid_from: date = Field(
        default=date(2000, 1, 1),
        description="records dated before this local day are quarantined (date_out_of_range): a mistyped year")
    valid_until: date | None = Field(
        default=None,
        description="records dated after this local day are quarantined (date_out_of_range); default: "
                    "tomorrow when the run starts (nothing is dated in the future; a day of clock skew)")

    def pinned(self) -> PeriodConfig:
        """This config with ``valid_until`` set (its default taken now): one bound for a whole run,
        written into the run's manifest."""
        if self.valid_until is not None:
            return self
        return self.model_copy(update={"valid_until": default_valid_until(self.timezone)})

    @model_validator(mode="after")
    def _ordered_range(self) -> PeriodConfig:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError(f"valid_until {self.valid_until} is before valid_from {self.valid_from}")
        return self


class PipelineConfig(_Strict):
    sources: list[SourceConfig] = Field(default_factory=list)
    domain: str = Field(default="commerce", description="a name from configs/domains or a YAML path")
    model: ModelConfig = Field(default_factory=ModelConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    user_dictionary: list[UserWord | str] = Field(default_factory=list)
    multi_word_dictionary: bool = Field(
        default=False,
        description="load Kiwi's multi-word proper-noun dictionary (movie titles, names from the web): "
                    "+~200 MB and +~1.4 s per Kiwi; it changed no commerce sample or eval text")
    period: PeriodConfig = Field(default_factory=PeriodConfig)
    output: str = "out"
    batch_rows: int = Field(default=2000, ge=1, description="records per streaming batch")
    base_dir: str = Field(default=".", description="directory relative paths are resolved against")

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, v: list[SourceConfig]) -> list[SourceConfig]:
        names = [s.name for s in v]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"source names must be unique, repeated: {dupes}")
        return v

    def resolve(self, path: str) -> Path:
        p = Path(path).expanduser()
        return p if p.is_absolute() else Path(self.base_dir) / p

    @property
    def user_words(self) -> list[UserWord]:
        return [w if isinstance(w, UserWord) else UserWord(word=w) for w in self.user_dictionary]


def _allowed_keys(loc: tuple) -> list[str]:
    """The keys a config section accepts, for 'unknown key' errors (walks the models along loc)."""
    model: type[BaseModel] = PipelineConfig
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[str(part)].annotation
        inner = [a for a in getattr(annotation, "__args__", (annotation,)) if isinstance(a, type)]
        nested = [a for a in inner if issubclass(a, BaseModel)]
        if not nested:
            break
        model = nested[0]
    return sorted(k for k in model.model_fields if k != "base_dir")


def _format_validation_error(err: ValidationError, origin: str) -> ConfigError:
    first = err.errors()[0]
    key = ".".join(str(p) for p in first["loc"]) or "(root)"
    msg = first["msg"]
    allowed = ""
    ctx = first.get("ctx") or {}
    if "expected" in ctx:
        allowed = f" (allowed: {ctx['expected']})"
    elif first["type"] == "extra_forbidden":
        allowed = f" (allowed: {', '.join(_allowed_keys(first['loc'][:-1]))})"
    more = f" (+{len(err.errors()) - 1} more)" if len(err.errors()) > 1 else ""
    return ConfigError(
        f"설정 오류 {origin}: '{key}' — {msg}{allowed}{more}",
        f"bad config {origin}: '{key}' — {msg}{allowed}{more}",
    )


def config_from_dict(data: dict, origin: str = "<dict>", base_dir: str | Path = ".") -> PipelineConfig:
    data = dict(data or {})
    data.setdefault("base_dir", str(base_dir))
    try:
        return PipelineConfig.model_validate(data)
    except ValidationError as err:
        raise _format_validation_error(err, origin) from None


def load_config(path: str | Path) -> PipelineConfig:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"설정 파일이 없습니다: {path}", f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise ConfigError(f"설정 파일을 읽을 수 없습니다: {path}: {err}", f"cannot parse config {path}: {err}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"설정 파일 최상위는 매핑이어야 합니다: {path}", f"config top level must be a mapping: {path}")
    # Relative paths in a config file are relative to the directory the user runs from,
    # so that `voc-pipeline run --config configs/x.yaml` from the repo root finds data/...
    return config_from_dict(data, origin=str(path), base_dir=data.get("base_dir", "."))


def domain_path(domain: str, base_dir: str | Path = ".") -> Path:
    """A domain name (commerce, finance, ...) or a path to a taxonomy YAML."""
    candidate = Path(domain)
    if candidate.suffix in {".yaml", ".yml"}:
        p = candidate if candidate.is_absolute() else Path(base_dir) / candidate
        if p.is_file():
            return p
        raise ConfigError(f"도메인 파일이 없습니다: {p}", f"domain file not found: {p}")
    packaged = resources.files("voc_pipeline") / "resources" / "domains" / f"{domain}.yaml"
    if packaged.is_file():
        return Path(str(packaged))
    known = sorted(
        Path(str(f)).stem
        for f in (resources.files("voc_pipeline") / "resources" / "domains").iterdir()
        if str(f).endswith(".yaml")
    )
    raise ConfigError(
        f"알 수 없는 도메인 'domain: {domain}' (가능: {', '.join(known)})",
        f"unknown domain 'domain: {domain}' (allowed: {', '.join(known)})",
    )
