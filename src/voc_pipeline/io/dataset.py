"""The output dataset: one folder per table, partitioned by ``period=``; all writes are atomic.

Layout::

    OUT/
      records/period=2026-W47/part-00000.parquet   (likewise sentences, mentions, quarantine,
      ...                                           pain_points, journey_map)
      runs/<run_id>.json                            manifest, written last
      .staging/<run_id>/...                         a run's output before it is committed
      .journal.json                                 present only while a commit is in flight
      .lock                                         held by the run writing the dataset

A run writes everything under ``.staging/<run_id>/``. Commit writes a journal, swaps each of the
run's period folders in by rename (the old one goes to ``.trash/``), writes the manifest, then
deletes the journal and the trash. A run that dies before the journal is complete leaves only
staging behind; one that dies during the swap is rolled back by the next run (``recover``).

Readers (``OutputDataset.periods/read``, ``read_table``) see only *committed* data, even while a
commit is in flight or after a run was killed mid-commit and before any recovery:

* a period exists only when a manifest in ``runs/`` lists it;
* while ``.journal.json`` names a run whose manifest does not exist yet, every folder that commit
  touches is read from where its previous version is: ``.trash/<run_id>/...`` once it has been
  moved away, else still in place; a folder the commit adds (no previous version) is invisible.
* a read that races a rename (a folder vanishing under it) is retried on a fresh view.

Folders starting with '.' (staging, trash) are never listed directly.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from voc_pipeline.errors import OutputError
from voc_pipeline.schema import TABLE_SCHEMAS

#: rows per Parquet row group: a reader of the first rows (the report's top journeys) or of a few
#: columns decodes at most this many values at once
ROW_GROUP_ROWS = 16_384
_JOURNAL = ".journal.json"
_LOCK = ".lock"


def use_system_memory_pool() -> str:
    """Let Arrow allocate from the C heap (the system pool) unless ``ARROW_DEFAULT_MEMORY_POOL`` says
    otherwise; returns the pool's backend name.

    With Arrow's default pool (mimalloc) freed pages stay in the process: the pipeline's RSS
    crept with every staged batch and aggregation period. On the C heap, ``release_freed_memory``
    (``malloc_trim``) hands them back. Measured on 100k records (benchmarks/README.md): peak RSS
    931 MiB vs 1,083 MiB with mimalloc; aggregation of 1M records +332 MiB vs +459 MiB."""
    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        pa.set_memory_pool(pa.system_memory_pool())
    return pa.default_memory_pool().backend_name


def release_freed_memory() -> None:
    """Hand memory that was freed but kept for reuse back to the OS: Arrow's pool (mimalloc keeps
    freed pages; ``release_unused``) and, on glibc, the C heap of Python objects and numpy
    arrays (``malloc_trim``). Called between the pipeline's phases and aggregation periods so
    that one period's tables do not stay in the process's RSS under the next one's
    (benchmarks/README.md, "Peak RSS by input size")."""
    pa.default_memory_pool().release_unused()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _glibc():
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:   # not glibc (macOS, musl): nothing to trim
        return None


_LIBC = _glibc()


def _fsync_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def to_arrow(table: str, frame: pd.DataFrame) -> pa.Table:
    """A frame as the table's Arrow schema (missing columns become nulls, extra ones are dropped)."""
    schema = TABLE_SCHEMAS[table]
    arrays = []
    for f in schema:
        if f.name in frame.columns:
            col = frame[f.name]
            if pa.types.is_timestamp(f.type):
                col = pd.to_datetime(col).dt.tz_convert(f.type.tz) if len(col) else col
                arrays.append(pa.array(col, type=f.type, from_pandas=True))
            elif isinstance(col.dtype, pd.ArrowDtype | pd.StringDtype | pd.CategoricalDtype):
                # already columnar (Arrow lists/strings, categoricals): no Python objects per cell
                arrays.append(_one_chunk(pa.array(col, from_pandas=True)).cast(f.type))
            else:
                arrays.append(pa.array(col.tolist(), type=f.type, from_pandas=True))
        else:
            arrays.append(pa.nulls(len(frame), type=f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


class Staging:
    """Where one run writes its tables before commit."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._parts: dict[tuple[str, str], int] = {}

    def write(self, table: str, period: str, frame: pd.DataFrame) -> None:
        if frame.empty:
            return
        n = self._parts.get((table, period), 0)
        self._parts[(table, period)] = n + 1
        folder = self.root / table / f"period={period}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(to_arrow(table, frame), folder / f"part-{n:05d}.parquet", compression="zstd",
                       row_group_size=ROW_GROUP_ROWS)

    def write_arrow(self, table: str, period: str, data: pa.Table) -> None:
        if data.num_rows == 0:
            return
        n = self._parts.get((table, period), 0)
        self._parts[(table, period)] = n + 1
        folder = self.root / table / f"period={period}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(data, folder / f"part-{n:05d}.parquet", compression="zstd", row_group_size=ROW_GROUP_ROWS)

    def write_by_period(self, table: str, frame: pd.DataFrame, period_column: str = "period") -> None:
        for period, group in frame.groupby(period_column, sort=True):
            self.write(table, str(period), group)

    @property
    def periods(self) -> set[str]:
        return {p for (_, p) in self._parts}

    def read(self, table: str, period: str, columns: list[str] | None = None) -> pd.DataFrame:
        return _read_partition(self.root / table / f"period={period}", table, columns)

    def read_arrow(self, table: str, period: str, columns: list[str] | None = None,
                   filter: pc.Expression | None = None, dictionary: tuple[str, ...] = ()) -> pa.Table:
        return _read_arrow(self.root / table / f"period={period}", table, columns, filter, dictionary)

    def parts(self, table: str, period: str, columns: list[str] | None = None,
              dictionary: tuple[str, ...] = ()) -> Iterator[pa.Table]:
        """The staged partition one part file at a time, in the order ``read_arrow`` reads them:
        aggregation holds one part's rows, not the period's."""
        return _parts(self.root / table / f"period={period}", table, columns, dictionary)

    def read_sentences(self, period: str, pairs: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
        """The staged sentences of the given (record_id, sentence_index) pairs only (a filtered scan,
        one part file at a time: only matching rows are kept), in file order; ``columns`` default
        record_id, sentence_index, text."""
        columns = columns or ["record_id", "sentence_index", "text"]
        wanted = pairs[["record_id", "sentence_index"]].drop_duplicates()
        ids = pa.array(wanted["record_id"].unique(), type=pa.string())
        read = list(dict.fromkeys(["record_id", "sentence_index", *columns]))
        found: list[pa.Table] = []
        batch: list[pa.Table] = []

        def keep() -> None:   # one hash table of the wanted ids per ~64k sentences, not per part
            data = pa.concat_tables(batch)
            data = data.filter(pc.is_in(data.column("record_id"), value_set=ids))   # a kernel on this thread
            if data.num_rows:
                found.append(data)
            batch.clear()

        for part in self.parts("sentences", period, read):
            batch.append(part)
            if sum(t.num_rows for t in batch) >= 65_536:
                keep()
        if batch:
            keep()
        schema = TABLE_SCHEMAS["sentences"]
        data = pa.concat_tables(found) if found else schema.empty_table().select(read)
        frame = data.to_pandas()
        if frame.empty:
            return frame[columns]
        wanted = wanted.astype({"sentence_index": frame["sentence_index"].dtype})
        return frame.merge(wanted, on=["record_id", "sentence_index"], how="inner")[columns]


def _read_partition(folder: Path | None, table: str, columns: list[str] | None) -> pd.DataFrame:
    schema = TABLE_SCHEMAS[table]
    if folder is None or not folder.is_dir():
        return schema.empty_table().to_pandas()[columns] if columns else schema.empty_table().to_pandas()
    return ds.dataset(folder, format="parquet", schema=schema).to_table(columns=columns).to_pandas()


def _read_arrow(folder: Path | None, table: str, columns: list[str] | None,
                filter: pc.Expression | None = None, dictionary: tuple[str, ...] = (),
                limit: int | None = None) -> pa.Table:
    """One partition as Arrow; the ``dictionary`` string columns decoded straight into dictionary
    arrays (a repeated 64-character key then costs its index, not its bytes, per row)."""
    schema = TABLE_SCHEMAS[table]
    for name in dictionary:
        i = schema.get_field_index(name)
        schema = schema.set(i, pa.field(name, pa.dictionary(pa.int32(), schema.field(i).type)))
    if folder is None or not folder.is_dir():
        empty = schema.empty_table()
        return empty.select(columns) if columns else empty
    fmt = ds.ParquetFileFormat(read_options=ds.ParquetReadOptions(dictionary_columns=list(dictionary)))
    data = ds.dataset(folder, format=fmt, schema=schema)
    if limit is not None:
        return data.head(limit, columns=columns, filter=filter)
    return data.to_table(columns=columns, filter=filter)


def _parts(folder: Path | None, table: str, columns: list[str] | None, dictionary: tuple[str, ...] = (),
           release_every: int = 8) -> Iterator[pa.Table]:
    """A partition one part file at a time, in the dataset's file order, as the table's schema
    (``columns`` only; a column a file lacks is null; ``dictionary`` columns dictionary-encoded).

    Each file is read with ``ParquetFile`` on this thread, and freed memory is handed back every
    ``release_every`` files: a dataset scan reads through Arrow's I/O threads, whose heaps kept
    ~60-100 MiB of freed read buffers per 1M records that ``malloc_trim`` did not hand back, and
    without the periodic release the C heap grew by a part's buffers per part. (Filter a part with
    a compute kernel, not an Expression: ``Table.filter(expression)`` runs on Arrow's thread pool.)"""
    if folder is None or not folder.is_dir():
        return
    schema = TABLE_SCHEMAS[table]
    for name in dictionary:
        i = schema.get_field_index(name)
        schema = schema.set(i, pa.field(name, pa.dictionary(pa.int32(), schema.field(i).type)))
    wanted = columns or schema.names
    fields = [schema.field(name) for name in wanted]
    for n, path in enumerate(ds.dataset(folder, format="parquet", schema=schema).files):
        try:
            file = pq.ParquetFile(path, read_dictionary=list(dictionary))
        except KeyError:   # a file without one of them (written before the column existed): null
            names = set(pq.read_schema(path).names)
            file = pq.ParquetFile(path, read_dictionary=[name for name in dictionary if name in names])
        present = set(file.schema_arrow.names)
        data = file.read(columns=[name for name in wanted if name in present], use_threads=False)
        data = pa.table([data.column(f.name).cast(f.type) if f.name in present else pa.nulls(data.num_rows, f.type)
                         for f in fields], schema=pa.schema(fields))
        yield data
        del data, file
        if n % release_every == release_every - 1:
            release_freed_memory()


def _one_chunk(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def to_pandas_compact(data: pa.Table, dictionary: tuple[str, ...] | list[str] = ()) -> pd.DataFrame:
    """A table as pandas without a Python object per cell: the ``dictionary`` columns as
    categoricals, list columns as Arrow lists (``pd.ArrowDtype``; a cell reads back as a list),
    strings as pandas' Arrow-backed ``str``."""
    for name in dictionary:
        i = data.schema.get_field_index(name)
        if i >= 0 and not pa.types.is_dictionary(data.schema.field(i).type):
            data = data.set_column(i, name, pc.dictionary_encode(data.column(i)))
    data = data.unify_dictionaries()

    def mapper(t: pa.DataType):
        return pd.ArrowDtype(t) if pa.types.is_list(t) or pa.types.is_large_list(t) else None

    return data.to_pandas(types_mapper=mapper)


class OutputDataset:
    """Owns every byte written under the output folder."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    # --- locking and recovery ------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One writer per dataset: an exclusive ``flock`` on OUT/.lock (released by the kernel when a
        run dies, so a killed run's lock is never stale); the file holds the pid for the message."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / _LOCK
        fd = _acquire_lock(path)
        try:
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
            self.recover()
            try:
                yield
            except (Exception, KeyboardInterrupt):
                # a failed run (bad input, accounting, Ctrl-C) leaves no staging, trash or
                # half-done commit behind; only SIGKILL/power loss needs the next run's recover
                with contextlib.suppress(Exception):
                    self.recover()
                raise
        finally:
            # unlink while still holding the lock: a waiter that opened this inode sees it is gone
            path.unlink(missing_ok=True)
            os.close(fd)

    def recover(self) -> None:
        """Finish or undo a commit that a killed run left half done; drop stale staging."""
        journal = self.root / _JOURNAL
        if journal.exists():
            plan = json.loads(journal.read_text(encoding="utf-8"))
            manifest = self.root / "runs" / f"{plan['run_id']}.json"
            if not manifest.exists():
                for move in reversed(plan["moves"]):
                    target, old = self.root / move["target"], self.root / move["old"]
                    if old.exists():
                        if target.exists():
                            shutil.rmtree(target)
                        old.rename(target)
                    elif move["had_old"] is False and target.exists() and move.get("installed"):
                        shutil.rmtree(target)
            journal.unlink()
        shutil.rmtree(self.root / ".trash", ignore_errors=True)
        shutil.rmtree(self.root / ".staging", ignore_errors=True)
        # half-written temporaries of _fsync_write / the report (their targets are intact)
        for tmp in [self.root / (_JOURNAL + ".tmp"), *self.root.glob("runs/*.tmp"),
                    *self.root.glob("report/*.tmp")]:
            tmp.unlink(missing_ok=True)

    def staging(self, run_id: str) -> Staging:
        root = self.root / ".staging" / run_id
        root.mkdir(parents=True, exist_ok=False)
        return Staging(root)

    # --- commit ---------------------------------------------------------------------------
    def commit(self, staging: Staging, run_id: str, periods: set[str], manifest: dict) -> None:
        """Swap the run's periods in, every table at once per period, then write the manifest."""
        moves = []
        for period in sorted(periods):
            for table in TABLE_SCHEMAS:
                rel = Path(table) / f"period={period}"
                moves.append({
                    "target": str(rel),
                    "old": str(Path(".trash") / run_id / rel),
                    "had_old": (self.root / rel).exists(),
                    "installed": (staging.root / rel).exists(),
                })
        _fsync_write(self.root / _JOURNAL, json.dumps({"run_id": run_id, "moves": moves}).encode())
        for move in moves:
            target = self.root / move["target"]
            if move["had_old"]:
                old = self.root / move["old"]
                old.parent.mkdir(parents=True, exist_ok=True)
                target.rename(old)
            new = staging.root / move["target"]
            if move["installed"]:
                target.parent.mkdir(parents=True, exist_ok=True)
                new.rename(target)
        runs = self.root / "runs"
        runs.mkdir(exist_ok=True)
        _fsync_write(runs / f"{run_id}.json", json.dumps(manifest, ensure_ascii=False, indent=2).encode())
        (self.root / _JOURNAL).unlink()
        shutil.rmtree(self.root / ".trash", ignore_errors=True)
        shutil.rmtree(staging.root, ignore_errors=True)
        with contextlib.suppress(OSError):
            (self.root / ".staging").rmdir()

    # --- reading (committed data only; see the module docstring) -------------------------
    def committed_view(self) -> CommittedView:
        """Which periods are committed and where each committed partition folder is right now."""
        manifests = self.manifests()
        periods = {p for m in manifests for p in m.get("periods", [])}
        overrides: dict[str, Path | None] = {}
        journal = self.root / _JOURNAL
        try:
            plan = json.loads(journal.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            plan = None   # no commit in flight (or its journal is not complete: nothing moved yet)
        if plan and not (self.root / "runs" / f"{plan['run_id']}.json").exists():
            for move in plan["moves"]:
                if not move["had_old"]:
                    overrides[move["target"]] = None
                elif (self.root / move["old"]).exists():
                    overrides[move["target"]] = self.root / move["old"]
        return CommittedView(self.root, frozenset(periods), overrides)

    def periods(self) -> list[str]:
        return sorted(self.committed_view().periods)

    def read(self, table: str, period: str, columns: list[str] | None = None) -> pd.DataFrame:
        return _retry(lambda: _read_partition(self.committed_view().folder(table, period), table, columns))

    def read_arrow(self, table: str, period: str, columns: list[str] | None = None,
                   filter: pc.Expression | None = None, dictionary: tuple[str, ...] = (),
                   limit: int | None = None) -> pa.Table:
        """A committed partition as Arrow: ``columns`` only, rows matching ``filter``, the ``dictionary``
        string columns dictionary-encoded, the first ``limit`` rows only (reads no further)."""
        return _retry(lambda: _read_arrow(self.committed_view().folder(table, period), table, columns, filter,
                                          dictionary, limit))

    def parts(self, table: str, period: str, columns: list[str] | None = None,
              dictionary: tuple[str, ...] = ()) -> Iterator[pa.Table]:
        """A committed partition one part file at a time (see ``Staging.parts``). The folder is
        looked up once: a commit racing the reader can make a later part unreadable."""
        return _parts(self.committed_view().folder(table, period), table, columns, dictionary)

    def carry_over(self, staging: Staging, period: str, replaced_files: set[str]) -> int:
        """Copy a committed period's rows that came from files *not* in this run into staging.

        A run replaces what its input files contributed to a period, not the whole period: re-running
        one week's complaints keeps that week's reviews, and a late record dated in an earlier week
        adds to that week instead of wiping it. Streams in Arrow batches. Returns records kept.
        """
        view = self.committed_view()
        kept_ids: list[pa.Array] = []
        for table in ("records", "quarantine"):
            folder = view.folder(table, period)
            if folder is None or not folder.is_dir():
                continue
            data = ds.dataset(folder, format="parquet", schema=TABLE_SCHEMAS[table])
            keep = ~pc.field("source_file").isin(sorted(replaced_files))
            for batch in data.to_batches(filter=keep):
                staging.write_arrow(table, period, pa.Table.from_batches([batch]))
                if table == "records":
                    kept_ids.append(batch.column("record_id"))
        ids = pa.chunked_array(kept_ids, type=pa.string()) if kept_ids else pa.chunked_array([], type=pa.string())
        if len(ids):
            for table in ("sentences", "mentions"):
                folder = view.folder(table, period)
                if folder is None or not folder.is_dir():
                    continue
                data = ds.dataset(folder, format="parquet", schema=TABLE_SCHEMAS[table])
                for batch in data.to_batches(filter=pc.field("record_id").isin(ids.combine_chunks())):
                    staging.write_arrow(table, period, pa.Table.from_batches([batch]))
        return len(ids)

    def manifests(self) -> list[dict]:
        runs = self.root / "runs"
        if not runs.is_dir():
            return []
        out = []
        for p in sorted(runs.glob("*.json")):
            try:
                out.append(json.loads(p.read_text(encoding="utf-8")))
            except (OSError, ValueError):   # pragma: no cover - manifests are written atomically
                continue
        return out


class CommittedView:
    """A snapshot of what readers may see: committed periods and the folder of each partition."""

    def __init__(self, root: Path, periods: frozenset[str], overrides: dict[str, Path | None]) -> None:
        self.root = root
        self.periods = periods
        self._overrides = overrides

    def folder(self, table: str, period: str) -> Path | None:
        if period not in self.periods:
            return None
        rel = str(Path(table) / f"period={period}")
        if rel in self._overrides:
            return self._overrides[rel]
        return self.root / rel


def _retry(read, attempts: int = 20):
    """Run ``read``; a folder renamed away under it (a commit racing the reader) -> read again."""
    for i in range(attempts):
        try:
            return read()
        except (FileNotFoundError, OSError):
            if i == attempts - 1:
                raise
            time.sleep(0.05 * (i + 1))
    raise AssertionError("unreachable")


def read_table(root: str | Path, table: str) -> pd.DataFrame:
    """Every committed period of one table, with its ``period`` column (for notebooks and the
    report). Uncommitted folders (a run killed mid-commit, a commit in flight) are never read."""
    schema = TABLE_SCHEMAS[table]
    dataset = OutputDataset(root)

    def read() -> pd.DataFrame:
        view = dataset.committed_view()
        parts = []
        for period in sorted(view.periods):
            folder = view.folder(table, period)
            if folder is None or not folder.is_dir():
                continue
            t = ds.dataset(folder, format="parquet", schema=schema).to_table()
            parts.append(t.append_column("period", pa.array([period] * t.num_rows, type=pa.string())))
        if not parts:
            return schema.empty_table().to_pandas().assign(period=pd.Series(dtype="str"))
        return pa.concat_tables(parts).to_pandas()

    return _retry(read)


def _acquire_lock(path: Path) -> int:
    for _ in range(5):
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = _lock_holder(path)
            raise OutputError(
                f"다른 실행(pid {holder})이 이 출력 폴더에 쓰는 중입니다: {path.parent}",
                f"another run (pid {holder}) is writing this dataset: {path.parent}",
            ) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)  # the holder unlinked it as we locked: try the new file
    raise OutputError(f"출력 폴더 잠금을 얻지 못했습니다: {path.parent}", f"could not lock the dataset: {path.parent}")


def _lock_holder(path: Path) -> int | None:
    try:
        return int(path.read_text().strip() or "0") or None
    except (OSError, ValueError):
        return None
