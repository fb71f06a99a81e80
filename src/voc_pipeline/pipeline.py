"""run_pipeline(): the main job. Streams every input through the stages and commits the dataset.

    ingest -> mask -> tokenize -> tag -> journey -> (staging tables) -> aggregate -> commit

Batches are bounded (``config.batch_rows`` records); memory does not grow with input size except
for one file's quarantine rows. Aggregation reads the staged tables back per period.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from voc_pipeline import __version__
from voc_pipeline._hashing import sha256_file
from voc_pipeline.config import PeriodConfig, PipelineConfig, SourceConfig, domain_path
from voc_pipeline.errors import AccountingError, InputNotFoundError, UsageError
from voc_pipeline.io.dataset import (
    OutputDataset,
    Staging,
    release_freed_memory,
    use_system_memory_pool,
)
from voc_pipeline.schema import TABLE_SCHEMAS
from voc_pipeline.stages import aggregate
from voc_pipeline.stages.ingest import display_path
from voc_pipeline.stages.journey import JourneyMapper, load_taxonomy

log = logging.getLogger("voc_pipeline")


@dataclass
class FileAccount:
    source: str
    path: str
    sha256: str
    rows_read: int = 0
    records: int = 0
    record_rows: int = 0
    quarantined: int = 0
    reasons: Counter = field(default_factory=Counter)

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.record_rows + self.quarantined


@dataclass
class RunSummary:
    run_id: str
    output: Path
    periods: list[str]
    files: list[FileAccount]
    manifest: dict
    skipped: bool = False

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)

    @property
    def quarantined(self) -> int:
        return sum(f.quarantined for f in self.files)


ProgressFn = Callable[[str, int], None]


def config_hash(config: PipelineConfig) -> str:
    payload = config.model_dump(mode="json", exclude={"base_dir", "output"})
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def plan_inputs(config: PipelineConfig, inputs: Iterable[str | Path] | None) -> list[tuple[SourceConfig, Path]]:
    """(source, file) pairs to read. ``--input`` narrows configured sources, or defines them."""
    from voc_pipeline.io.files import source_files
    from voc_pipeline.io.mapping import infer_sources

    inputs = [Path(p) for p in inputs or []]
    for p in inputs:
        if not p.exists():
            raise InputNotFoundError(f"입력 경로가 없습니다: {p}", f"input path not found: {p}")
    if not config.sources:
        files = [f for p in inputs for f in ([p] if p.is_file() else sorted(x for x in p.rglob("*") if x.is_file()))]
        sources = infer_sources(files)
        return [(s, f) for s in sources for f in source_files(s, config.base_dir)]
    plan = []
    roots = [p.resolve() for p in inputs]
    for source in config.sources:
        for f in source_files(source, config.base_dir):
            if not roots or any(f.resolve() == r or r in f.resolve().parents for r in roots):
                plan.append((source, f))
    if not plan:
        raise InputNotFoundError(
            "설정된 소스와 일치하는 입력 파일이 없습니다", "no input file matches the configured sources"
        )
    return plan


@dataclass
class Analysed:
    """One batch after every per-record stage: masked records, their sentences and mentions."""

    records: pd.DataFrame
    sentences: pd.DataFrame
    mentions: pd.DataFrame
    quarantine: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)


class Stages:
    """The loaded, reusable stage objects of one run (masker, Kiwi, model, taxonomy).

    ``analyse`` is the whole per-batch path (mask -> tokenize -> tag -> journey); engines call it
    in-process or inside Ray actors, so both run the same code.
    """

    def __init__(self, config: PipelineConfig, secret: bytes, workers: int | None = None,
                 only: str | None = None) -> None:
        """``only="prepare"`` (masker + Kiwi, no model) or ``only="complete"`` (model + mapper, no
        Kiwi, no secret): the halves a distributed engine runs in different workers;
        ``only="driver"``: neither (the taxonomy only), for an engine whose workers load their own."""
        from voc_pipeline.models import load_tagger
        from voc_pipeline.stages.mask import Masker
        from voc_pipeline.stages.tag import Tagger
        from voc_pipeline.stages.tokenize import KiwiTokenizer

        self.config = config
        self.taxonomy = load_taxonomy(domain_path(config.domain, config.base_dir))
        self.mapper = JourneyMapper(self.taxonomy)
        self.masker = self.tokenizer = self.model = self.tagger = None
        if only not in ("complete", "driver"):
            self.masker = Masker(types=config.privacy.mask, secret=secret)
            self.tokenizer = KiwiTokenizer(
                user_words=[(w.word, w.tag, w.score) for w in config.user_words], num_workers=workers,
                multi_word_dictionary=config.multi_word_dictionary,
            )
        if only not in ("prepare", "driver"):
            model_path = str(config.resolve(config.model.path)) if config.model.path else None
            self.model = load_tagger(model_path, device=config.model.device, batch_size=config.model.batch_size,
                                     backend=config.model.backend, fusion=config.model.sentiment_fusion)
            self.tagger = Tagger(self.model, record_pass=config.model.record_pass,
                                 span_fusion=config.model.span_fusion,
                                 span_pairing=config.model.span_pairing,
                                 opinion_fill=config.model.opinion_fill,
                                 opinion_fill_confidence=config.model.opinion_fill_confidence,
                                 opinion_polarity=config.model.opinion_polarity,
                                 domain_yaml=domain_path(config.domain, config.base_dir))
        self.model_info = ({"id": self.model.model_id, "hash": self.model.model_hash,
                            "backend": self.model.backend_name, "sentiment_fusion": self.model.fusion}
                           if self.model is not None else None)

    def unload(self) -> None:
        """Drop the masker, Kiwi and the model (most of the run's memory) once every batch is
        analysed; the taxonomy and ``model_info`` (for the manifest) stay."""
        self.masker = self.tokenizer = self.model = self.tagger = None

    def analyse(self, records: pd.DataFrame, quarantine: pd.DataFrame) -> Analysed:
        """Raw ingest frames -> masked, tagged and mapped frames (no I/O)."""
        return self.complete(self.prepare(records, quarantine))

    def prepare(self, records: pd.DataFrame, quarantine: pd.DataFrame) -> Analysed:
        """First half of ``analyse`` (mask -> tokenize; CPU, Kiwi threads): sentences not yet tagged.

        Engines overlap it with ``complete`` (the model) of the previous batch.
        """
        timings: dict[str, float] = {}
        t = time.perf_counter()
        quarantine = self.masker.mask_quarantine(quarantine) if not quarantine.empty else quarantine
        records = self.masker(records) if not records.empty else records
        timings["mask"] = time.perf_counter() - t
        empty = pd.DataFrame()
        if records.empty:
            return Analysed(records, empty, empty, quarantine, timings)
        t = time.perf_counter()
        sentences = self.tokenizer(records[["record_id", "text"]])
        timings["tokenize"] = time.perf_counter() - t
        return Analysed(records, sentences, empty, quarantine, timings)

    def complete(self, prepared: Analysed) -> Analysed:
        """Second half of ``analyse`` (model tag -> journey mapping) on a ``prepare`` result."""
        from voc_pipeline.stages.tag import record_sentiment

        records, quarantine, timings = prepared.records, prepared.quarantine, dict(prepared.timings)
        if records.empty:
            return prepared
        t = time.perf_counter()
        sentences, mentions = self.tagger(prepared.sentences)
        record_probs = self.tagger.record_probabilities(records["record_id"], sentences)
        timings["tag"] = time.perf_counter() - t
        t = time.perf_counter()
        sentences, mentions = self.mapper(sentences, mentions)
        records = record_sentiment(records, record_probs)
        records = self.mapper.record_stages(records, sentences, mentions)
        timings["journey"] = time.perf_counter() - t
        return Analysed(records, sentences, mentions, quarantine, timings)


def _attach_period(frame: pd.DataFrame, periods: pd.Series) -> pd.DataFrame:
    frame = frame.copy()
    frame["period"] = frame["record_id"].map(periods)
    return frame


def run_pipeline(
    config: PipelineConfig,
    *,
    inputs: Iterable[str | Path] | None = None,
    output: str | Path | None = None,
    period: str | None = None,
    workers: int | None = None,
    skip_unchanged: bool = False,
    progress: ProgressFn | None = None,
    stages: Stages | None = None,
    engine: str = "local",
) -> RunSummary:
    """``engine``: local (in-process, the default) | processes | ray | auto (engines/choice.py:
    processes for large inputs on several cores with the memory for it, else local; a caller's
    own ``stages`` run in-process)."""
    from voc_pipeline.engines.choice import EngineChoice, choose_engine
    from voc_pipeline.stages.mask import secret_from_env

    started = time.perf_counter()
    use_system_memory_pool()
    timings: Counter = Counter()
    secret = secret_from_env(config.privacy.secret_env)
    out_root = Path(output) if output else config.resolve(config.output)
    plan = plan_inputs(config, inputs)
    dataset = OutputDataset(out_root)
    cfg_hash = config_hash(config)
    accounts = {f: FileAccount(s.name, display_path(f, config.base_dir), sha256_file(f)) for s, f in plan}

    if skip_unchanged and _unchanged(dataset, accounts.values(), cfg_hash, period, _configured_model_hash(config)):
        last = dataset.manifests()[-1]
        return RunSummary(last["run_id"], out_root, last["periods"], list(accounts.values()), last, skipped=True)

    if engine == "auto" and stages is not None:
        choice = EngineChoice("local", workers, "the caller's loaded stages")
    else:
        choice = choose_engine(engine, sum(f.stat().st_size for _, f in plan), workers)
    engine, workers = choice.engine, choice.workers
    log.debug("engine %s (%s)", engine, choice.reason)
    t = time.perf_counter()
    own_stages = stages is None
    stages = stages or Stages(config, secret, workers, only="driver" if engine == "processes" else None)
    timings["load"] += time.perf_counter() - t
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    warnings: list[str] = []
    stage_counts: Counter = Counter()

    with dataset.lock():
        staging = dataset.staging(run_id)
        file_periods: dict[Path, Counter] = defaultdict(Counter)
        quarantine_parts: dict[Path, list[pd.DataFrame]] = defaultdict(list)
        dates = config.period.pinned()   # one date_out_of_range bound for every file of the run
        batches = _ingest(plan, config, period, dates)
        with _fewer_gc_passes():
            for path, rows_read, done in _engine_results(engine, stages, batches, workers):
                account = accounts[path]
                account.rows_read += rows_read
                for k, v in done.timings.items():
                    timings[k] += v
                if not done.quarantine.empty:
                    quarantine_parts[path].append(done.quarantine)
                    account.quarantined += len(done.quarantine)
                    account.reasons.update(done.quarantine["reason_code"])
                if not done.records.empty:
                    records = done.records
                    account.records += len(records)
                    account.record_rows += int(records["input_rows"].sum())
                    file_periods[path].update(records["period"])
                    stage_counts.update(s for ss in records["stages"] for s in ss)
                    periods = records.set_index("record_id")["period"]
                    t = time.perf_counter()
                    staging.write_by_period("records", records)
                    staging.write_by_period("sentences", _attach_period(done.sentences, periods))
                    staging.write_by_period("mentions", _attach_period(done.mentions, periods))
                    timings["write"] += time.perf_counter() - t
                done = records = periods = None
                release_freed_memory()   # this batch's frames, once written: do not let them pile up in RSS
                if progress:
                    progress(account.path, rows_read)
        for path, account in accounts.items():
            if quarantine_parts[path]:
                q = pd.concat(quarantine_parts[path], ignore_index=True)
                # Quarantine rows carry no trustworthy date: they belong to the period their file is about.
                common = file_periods[path].most_common(1)
                q["period"] = period or (common[0][0] if common else "unknown")
                staging.write_by_period("quarantine", q)
            if not account.balanced:
                raise AccountingError(
                    f"행 수가 맞지 않습니다 {account.path}: 읽음 {account.rows_read} != "
                    f"레코드 {account.record_rows} + 격리 {account.quarantined}",
                    f"row accounting failed for {account.path}: read {account.rows_read} != "
                    f"records {account.record_rows} + quarantined {account.quarantined}",
                )

        if own_stages:
            # every batch is analysed: Kiwi and the model are not needed for aggregation and the report
            stages.unload()
            gc.collect()
            release_freed_memory()
        t = time.perf_counter()
        run_periods = staging.periods
        if not run_periods:   # e.g. a holiday week's export with a header only: a run, not an error
            warnings.append("입력에 행이 없습니다 / the inputs hold no rows: nothing analysed")
        replaced = {a.path for a in accounts.values()}
        for p in sorted(run_periods & set(dataset.periods())):
            kept = dataset.carry_over(staging, p, replaced)
            if kept:
                warnings.append(f"{p}: kept {kept} records of files not in this run")
        timings["carry_over"] += time.perf_counter() - t
        t = time.perf_counter()
        _aggregate(staging, dataset, run_periods, stages.taxonomy)
        timings["aggregate"] += time.perf_counter() - t
        timings["total"] = time.perf_counter() - started
        manifest = _manifest(run_id, config, cfg_hash, stages, accounts.values(), run_periods, period,
                             stage_counts, timings, warnings)
        manifest["engine"] = {"name": engine, "workers": workers, "reason": choice.reason}
        # policy date_out_of_range: the bounds this run applied (the upper one defaults to "tomorrow")
        manifest["valid_dates"] = {"from": str(dates.valid_from), "until": str(dates.valid_until)}
        dataset.commit(staging, run_id, run_periods, manifest)
        from voc_pipeline.report.html import write_report

        if dataset.periods():
            write_report(out_root)
    return RunSummary(run_id, out_root, sorted(run_periods), list(accounts.values()), manifest)


@contextmanager
def _fewer_gc_passes(gen0_threshold: int = 10_000):
    """Streaming allocates millions of small containers (morpheme lists), and every default gen-0
    pass (each 700 allocations) also walks the run's long-lived objects: ~10 % of a run's time.
    The objects alive now (modules, Kiwi, the model) are frozen out of collection and gen-0 passes
    come every ``gen0_threshold`` allocations; both undone on exit."""
    old = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(gen0_threshold, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


def _ingest(plan, config: PipelineConfig, period: str | None, dates: PeriodConfig):
    """(path, IngestBatch) for every batch of every input file, streaming; ``dates`` is
    ``config.period`` with its valid date range pinned for the run."""
    from voc_pipeline.stages.ingest import SeenIds, read_source

    seen: dict[str, SeenIds] = defaultdict(SeenIds)   # policy cross_file_duplicate, per source
    for source, path in plan:
        for batch in read_source(source, path, batch_rows=config.batch_rows, period=dates,
                                 fallback_period=period, base_dir=config.base_dir, seen=seen[source.name]):
            if period and not batch.records.empty:
                batch.records = batch.records.assign(period=period)
            yield path, batch


def _engine_results(engine: str, stages: Stages, batches, workers: int | None):
    if engine == "ray":
        try:
            from voc_pipeline.engines.ray_engine import analyse_batches
        except ImportError as err:
            raise UsageError(
                f"Ray 엔진을 쓰려면 pip install 'voc-pipeline[ray]' 가 필요합니다 ({err})",
                f"--engine ray needs pip install 'voc-pipeline[ray]' ({err})",
            ) from None
    elif engine == "processes":
        from voc_pipeline.engines.processes import analyse_batches
    else:
        from voc_pipeline.engines.local import analyse_batches
    return analyse_batches(stages, batches, workers=workers)


def _aggregate(staging: Staging, dataset: OutputDataset, run_periods: set[str], taxonomy) -> None:
    """Per period, in period order, each against the period before it: pain_points (trend, impact),
    journey_map (trend), alerts, pain_point_candidates and journeys (over a lookback window).

    A period's staged tables are read one part file at a time (``Staging.parts``) and reduced as
    they come to codes and counts (``stages.period.PeriodTables``: ~45 bytes per record, ~36 per
    mention, no strings but the record ids); sentence text is read only for the example quotes
    chosen and mentions again only for the candidate keys, both filtered part by part; the
    journeys window is read part by part when the journeys are built, after the pain points are
    dropped, keys dictionary-encoded. Freed memory is handed back between the steps. Aggregation
    alone on a 1M-record period peaks at ~440 MiB, 250k at ~280 (docs/scale.md)."""
    from voc_pipeline.stages import omnichannel, trends
    from voc_pipeline.stages import period as period_tables

    all_periods = sorted(set(dataset.periods()) | run_periods)
    last_run = max(run_periods) if run_periods else ""
    previous: aggregate.PreviousPeriod | None = None
    previous_jm: pd.DataFrame | None = None
    known: set[tuple[str, str]] = set()  # (keyword, polarity) of every earlier period
    window: list[str] = []  # the last LOOKBACK_PERIODS periods, for journeys
    for p in all_periods:
        if p > last_run:
            break
        window = [*window, p][-omnichannel.LOOKBACK_PERIODS:]
        if p not in run_periods:
            # An earlier committed period: only its counts are needed, for the next period's trend.
            n_records = dataset.read_arrow("records", p, ["record_id"]).num_rows
            points = dataset.read("pain_points", p, ["stage", "keyword", "polarity", "mentions"])
            previous = aggregate.previous_from_points(p, n_records, points)
            previous_jm = dataset.read("journey_map", p)
            known |= trends.keys_of(points)
            continue
        tables = read_period_tables(staging, p, taxonomy)
        n_records = tables.records
        pairs = tables.example_pairs()
        release_freed_memory()   # what the codes' sorts and hash tables freed, before the next step
        quotes = staging.read_sentences(p, pairs)
        del pairs
        release_freed_memory()
        points, jm = tables.tables(quotes, previous)
        del quotes, tables
        release_freed_memory()
        jm = trends.journey_trend(jm, previous_jm, previous.period if previous else None)
        staging.write("pain_points", p, points)
        staging.write("journey_map", p, jm)
        staging.write("alerts", p, trends.alerts(p, points, jm, previous, n_records))
        # candidates look at the mentions of their keys only: those rows, part by part
        keys = period_tables.candidate_keys(points, known if previous else None)
        mentions = [period_tables.candidate_mentions(part, keys) for part in
                    staging.parts("mentions", p, period_tables.CANDIDATE_MENTION_COLUMNS)] if keys is not None else []
        mentions = (pa.concat_tables(mentions) if mentions else TABLE_SCHEMAS["mentions"].empty_table().select(
            period_tables.CANDIDATE_MENTION_COLUMNS)).to_pandas()
        staging.write("pain_point_candidates", p, trends.candidates(p, points, mentions, known if previous else None))
        previous = aggregate.previous_from_points(p, n_records, points)
        previous_jm = jm
        known |= trends.keys_of(points)
        del mentions, keys, points   # the pain points (their quotes) are not held beside the journeys
        release_freed_memory()
        lookback = _lookback(staging, dataset, run_periods, window)
        staging.write("journeys", p, omnichannel.journeys(lookback, p, taxonomy.order))
        del lookback
        release_freed_memory()


def read_period_tables(staging: Staging, period: str, taxonomy):
    """The period's staged parts read one file at a time, reduced to codes and counts
    (``stages.period.PeriodTables``): what aggregation holds of a period, whatever its size."""
    from voc_pipeline.stages import period as period_tables

    tables = period_tables.PeriodTables(taxonomy)
    for part in staging.parts("records", period, period_tables.RECORD_COLUMNS):
        tables.add_records(part)
    for part in staging.parts("sentences", period, period_tables.SENTENCE_COLUMNS):
        tables.add_sentences(part)
    for part in staging.parts("mentions", period, period_tables.MENTION_COLUMNS):
        tables.add_mentions(part)
    return tables


def _lookback(staging: Staging, dataset: OutputDataset, run_periods: set[str], periods: list[str],
              merge_every: int = 65_536) -> pa.Table:
    """The records of ``periods`` that journeys need, with their period. Customer keys, channels,
    sentiments and periods are dictionary-encoded against one dictionary per column for the whole
    window (a 64-character key costs 4 bytes per record; each distinct key is stored once).

    Read one part file at a time, the encoded columns decoded as dictionaries; each part's own
    dictionaries are merged into the window's every ``merge_every`` values: the window's strings
    are never all held at once."""
    from voc_pipeline.stages import omnichannel

    encoded = ("customer_key", "channel", "sentiment")
    dictionaries = {name: pa.array([], type=pa.string()) for name in encoded}
    codes: dict[str, list[np.ndarray]] = {name: [] for name in (*encoded, "period")}
    pending: dict[str, list[tuple[pa.Array, np.ndarray]]] = {name: [] for name in encoded}
    plain: dict[str, list[pa.Array]] = {"record_id": [], "created_at": [], "stages": []}

    def merge(name: str) -> None:
        if not pending[name]:
            return
        remap, dictionaries[name] = _encode_into(pa.concat_arrays([d for d, _ in pending[name]]), dictionaries[name])
        at = 0
        for local, indices in pending[name]:
            part_map = remap[at:at + len(local)]
            codes[name].append(np.where(indices >= 0, part_map[np.maximum(indices, 0)] if len(local) else -1,
                                        -1).astype(np.int32))
            at += len(local)
        pending[name] = []

    for i, q in enumerate(periods):
        source = staging if q in run_periods else dataset
        for part in source.parts("records", q, omnichannel.RECORD_COLUMNS, dictionary=encoded):
            for name in plain:
                plain[name].extend(part.column(name).chunks)
            part = part.unify_dictionaries()
            for name in encoded:
                column = part.column(name)
                local = column.chunk(0).dictionary if column.num_chunks else pa.array([], type=pa.string())
                indices = np.concatenate([pc.fill_null(c.indices, -1).to_numpy().astype(np.int32)
                                          for c in column.chunks]) if column.num_chunks else np.empty(0, np.int32)
                pending[name].append((local.cast(pa.string()), indices))
                if sum(len(d) for d, _ in pending[name]) >= merge_every:
                    merge(name)
            codes["period"].append(np.full(part.num_rows, i, dtype=np.int32))
            del part
    for name in encoded:
        merge(name)
    release_freed_memory()   # the parts read and the merges' hash tables
    dictionaries["period"] = pa.array(periods, type=pa.string())
    columns = {}
    for name in [*omnichannel.RECORD_COLUMNS, "period"]:
        if name in plain:
            columns[name] = pa.chunked_array(plain[name], type=TABLE_SCHEMAS["records"].field(name).type)
        else:
            columns[name] = pa.chunked_array(
                [pa.DictionaryArray.from_arrays(pa.array(c, mask=c < 0), dictionaries[name]) for c in codes[name]],
                type=pa.dictionary(pa.int32(), pa.string()))
    return pa.table(columns)


def _encode_into(values: pa.ChunkedArray | pa.Array, dictionary: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """int32 codes of ``values`` in ``dictionary`` (-1 for null), extended by the values it lacks (in
    order of first appearance). One hash table over ``dictionary``, one over the values it lacks."""
    index = pc.index_in(values, value_set=dictionary)
    missing = pc.and_(pc.is_null(index), pc.is_valid(values))
    if pc.any(missing).as_py():
        unseen = pc.unique(pc.filter(values, missing)).cast(pa.string())
        unseen = unseen.combine_chunks() if isinstance(unseen, pa.ChunkedArray) else unseen
        index = pc.coalesce(index, pc.add(pc.index_in(values, value_set=unseen), len(dictionary)))
        dictionary = pa.concat_arrays([dictionary, unseen])
    return pc.fill_null(index, -1).to_numpy().astype(np.int32), dictionary


def _configured_model_hash(config: PipelineConfig) -> str:
    from voc_pipeline.models.tagger import model_fingerprint

    return model_fingerprint(config.resolve(config.model.path) if config.model.path else None)


def _unchanged(dataset: OutputDataset, accounts: Iterable[FileAccount], cfg_hash: str, period: str | None,
               model_hash: str) -> bool:
    """Same inputs, config and model as the last committed run (``--skip-unchanged``): a new model
    directory (e.g. a package upgrade with a retrained default) re-runs even when nothing else changed."""
    manifests = dataset.manifests()
    if not manifests:
        return False
    last = manifests[-1]
    inputs = {(i["path"], i["sha256"]) for i in last.get("inputs", [])}
    return (
        last.get("config_hash") == cfg_hash
        and (last.get("model") or {}).get("hash") == model_hash
        and last.get("period_override") == period
        and inputs == {(a.path, a.sha256) for a in accounts}
    )


def _manifest(run_id, config, cfg_hash, stages, accounts, periods, period, stage_counts, timings, warnings) -> dict:
    accounts = list(accounts)
    return {
        "run_id": run_id,
        "created_at": datetime.now(UTC).isoformat(),
        "package_version": __version__,
        "config_hash": cfg_hash,
        "domain": stages.taxonomy.domain,
        "model": stages.model_info,
        "period_override": period,
        "periods": sorted(periods),
        "inputs": [
            {
                "source": a.source,
                "path": a.path,
                "sha256": a.sha256,
                "rows_read": a.rows_read,
                "records": a.records,
                "record_rows": a.record_rows,
                "quarantined": a.quarantined,
                "quarantine_reasons": dict(sorted(a.reasons.items())),
                "balanced": a.balanced,
            }
            for a in accounts
        ],
        "counts": {
            "rows_read": sum(a.rows_read for a in accounts),
            "records": sum(a.records for a in accounts),
            "quarantined": sum(a.quarantined for a in accounts),
            "records_per_stage": dict(sorted(stage_counts.items(), key=lambda kv: stages.taxonomy.order(kv[0]))),
        },
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
        "warnings": warnings,
    }
