"""One period's pain points, impact and journey map, built part by part from the staged tables.

``aggregate.pain_points`` + ``impact.add_impact`` + ``aggregate.journey_map`` over whole-period
frames held every record id, key and sentence of the period as strings at once, and their
group-bys and joins copied them again: aggregation memory grew ~0.7 KB per record of the period
(benchmarks/README.md). ``PeriodTables`` is fed the period's staged part files one at a time
(``add_records``, ``add_sentences``, ``add_mentions``: Arrow tables) and keeps only, per record,
its id (Arrow, once), negative flag, rating and NPS; per mention, its key code, record code,
sentence index and confidence; per stage, sentence counts and record rows. The tables are then
computed from those arrays by the same cores as the frame functions (``aggregate.point_counts``,
``with_examples``, ``example_rows``, ``impact.impact_columns``, ``journey_rows``): the same
values, bit for bit, in the same order, whatever the period's split into parts.

The caller reads the parts (stages do no I/O): records, sentences, mentions, in file order; then
``example_pairs()`` names the sentences to quote, and ``tables(quotes, previous)`` gives
``(pain_points with impact, journey_map)``. ``candidate_keys`` / ``candidate_mentions`` select
the mentions ``trends.candidates`` needs, part by part.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from voc_pipeline.schema import UNMAPPED_STAGE
from voc_pipeline.stages import aggregate, impact, trends
from voc_pipeline.stages.aggregate import KEY, PreviousPeriod
from voc_pipeline.stages.journey import Taxonomy

#: the staged columns each ``add_*`` reads
RECORD_COLUMNS = ["record_id", "sentiment", "rating_norm", "nps", "stages"]
SENTENCE_COLUMNS = ["stage", "sentiment"]
MENTION_COLUMNS = ["record_id", "sentence_index", "stage", "keyword", "polarity", "confidence"]
#: the mention columns ``trends.candidates`` reads
CANDIDATE_MENTION_COLUMNS = ["keyword", "polarity", "record_id", "aspect", "opinion"]


class PeriodTables:
    """Accumulates one period's staged parts; see the module docstring."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self._stage_ids = [*taxonomy.stage_ids, UNMAPPED_STAGE]
        # records
        self._n_records = 0
        self._ids: list[pa.Array] = []
        self._neg: list[np.ndarray] = []
        self._rating: list[np.ndarray] = []
        self._nps: list[np.ndarray] = []
        self._stage_rows: dict[str, list[np.ndarray]] = {s: [] for s in self._stage_ids}
        # sentences: per stage (sentences, negative, positive)
        self._sentences = np.zeros((len(self._stage_ids), 3), dtype=np.int64)
        # mentions
        self._key_index: dict[tuple, int] = {}
        self._mention_ids: list[pa.Array] = []
        self._codes: list[np.ndarray] = []
        self._sentence_index: list[np.ndarray] = []
        self._confidence: list[np.ndarray] = []
        self._built: dict | None = None

    # --- feeding ------------------------------------------------------------------------------
    def add_records(self, part: pa.Table) -> None:
        """A part of the period's records (``RECORD_COLUMNS``), in file order."""
        if not part.num_rows:
            return
        self._ids.extend(part.column("record_id").cast(pa.string()).chunks)
        self._neg.append(pc.fill_null(pc.equal(part.column("sentiment"), "neg"), False).to_numpy())
        self._rating.append(_floats(part.column("rating_norm")))
        self._nps.append(_floats(part.column("nps")))
        for stage_id, rows in aggregate.stage_records(part.column("stages"), self.taxonomy, self._n_records).items():
            self._stage_rows[stage_id].append(rows)
        self._n_records += part.num_rows

    def add_sentences(self, part: pa.Table) -> None:
        """A part of the period's sentences (``SENTENCE_COLUMNS``): only counted."""
        if not part.num_rows:
            return
        stage = pc.fill_null(pc.index_in(part.column("stage").cast(pa.string()),
                                         value_set=pa.array(self._stage_ids, type=pa.string())), -1).to_numpy()
        sentiment = part.column("sentiment").cast(pa.string())
        known = stage >= 0
        for j, flags in enumerate((None, pc.equal(sentiment, "neg"), pc.equal(sentiment, "pos"))):
            at = stage[known] if flags is None else stage[known & pc.fill_null(flags, False).to_numpy()]
            self._sentences[:, j] += np.bincount(at, minlength=len(self._stage_ids))

    def add_mentions(self, part: pa.Table) -> None:
        """A part of the period's mentions (``MENTION_COLUMNS``), in file order."""
        if not part.num_rows:
            return
        frame = part.select(KEY).to_pandas()
        local = frame.groupby(KEY, sort=False).ngroup().fillna(-1).to_numpy().astype(np.int64)
        present, first = np.unique(local, return_index=True)
        first = first[present >= 0]
        to_global = np.array([self._key_index.setdefault(k, len(self._key_index))
                              for k in frame.iloc[first].itertuples(index=False, name=None)], dtype=np.int32)
        self._codes.append(np.where(local >= 0, to_global[np.maximum(local, 0)] if len(to_global) else -1,
                                    -1).astype(np.int32))
        self._mention_ids.extend(part.column("record_id").cast(pa.string()).chunks)
        self._sentence_index.append(part.column("sentence_index").to_numpy().astype(np.int32))
        self._confidence.append(_floats(part.column("confidence")))

    # --- results ------------------------------------------------------------------------------
    @property
    def records(self) -> int:
        return self._n_records

    def example_pairs(self) -> pd.DataFrame:
        """(record_id, sentence_index) of every sentence the pain points quote, once each (like
        ``aggregate.example_sentences``)."""
        best = self._build()["best"]
        return best[["record_id", "sentence_index"]].drop_duplicates().reset_index(drop=True)

    def tables(self, quotes: pd.DataFrame, previous: PreviousPeriod | None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(pain_points with the impact columns, journey_map): ``quotes`` holds record_id,
        sentence_index and text of the ``example_pairs`` sentences."""
        b = self._build()
        if b["keys"] is None:
            points = impact.add_impact(pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
        else:
            out = aggregate.point_counts(b["keys"], b["codes"], b["dk"], b["named"], b["pos"], b["record_neg"],
                                         b["record_rating"], self._n_records, self.taxonomy, previous)
            points = aggregate.with_examples(out, b["best"], quotes, self.taxonomy)
            points = impact.impact_columns(points, b["keys"], b["dk"], b["pos"], pd.Series(b["record_rating"]),
                                           pd.Series(b["record_nps"]))
        stage_rows = {s: np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
                      for s, rows in self._stage_rows.items()}
        counts = {s: tuple(int(v) for v in self._sentences[i]) for i, s in enumerate(self._stage_ids)}
        journey = aggregate.journey_rows(stage_rows, b["rating"], b["nps"], counts, points, self.taxonomy)
        return points, journey

    def release(self) -> None:
        """Drop everything held (the caller keeps the tables)."""
        self.__init__(self.taxonomy)

    # --- the period's codes -------------------------------------------------------------------
    def _build(self) -> dict:
        if self._built is not None:
            return self._built
        rating = np.concatenate(self._rating) if self._rating else np.empty(0)
        nps = np.concatenate(self._nps) if self._nps else np.empty(0)
        neg = np.concatenate(self._neg) if self._neg else np.empty(0, dtype=bool)
        self._rating = self._nps = self._neg = []
        ids = pa.chunked_array(self._ids, type=pa.string())
        self._ids = []
        # the records without repeated ids (first of each, in order) = the id dictionary
        dictionary = pc.unique(ids)
        if len(dictionary) == len(ids):
            record_neg, record_rating, record_nps = neg, rating, nps
        else:
            first = pc.index_in(dictionary, value_set=ids).to_numpy()
            record_neg, record_rating, record_nps = neg[first], rating[first], nps[first]
        del ids, neg
        if isinstance(dictionary, pa.ChunkedArray):
            dictionary = dictionary.combine_chunks()
        built: dict = {"rating": rating, "nps": nps, "record_neg": record_neg, "record_rating": record_rating,
                       "record_nps": record_nps, "keys": None, "best": pd.DataFrame(
                           {"record_id": pd.Series(dtype="str"), "sentence_index": pd.Series(dtype="int32")})}
        if self._codes and self._key_index:
            codes = np.concatenate(self._codes)
            sentence_index = np.concatenate(self._sentence_index)
            confidence = np.concatenate(self._confidence)
            mention_ids = pa.chunked_array(self._mention_ids, type=pa.string())
            self._codes = self._sentence_index = self._confidence = self._mention_ids = []
            # record code per mention: its record's row in the dictionary (a missing id matches a
            # missing record id, like pandas' get_indexer), ids without a record appended after
            rcode = pc.index_in(mention_ids, value_set=dictionary)
            n_known = len(dictionary)
            unmatched = pc.is_null(rcode)
            if pc.any(unmatched).as_py():
                extra = pc.unique(mention_ids.filter(unmatched))
                extra = extra.combine_chunks() if isinstance(extra, pa.ChunkedArray) else extra
                rcode = pc.coalesce(rcode, pc.add(pc.index_in(mention_ids, value_set=extra), n_known))
                dictionary = pa.concat_arrays([dictionary, extra])
            rcode = rcode.to_numpy().astype(np.int64)
            pos = np.where(rcode < n_known, rcode, -1)
            named = pc.is_valid(mention_ids).to_numpy()
            del mention_ids
            # the distinct (key, record) pairs in order of first appearance
            valid = np.flatnonzero(codes >= 0)
            pair = codes[valid].astype(np.int64) * (len(dictionary) + 1) + rcode[valid]
            _, first = np.unique(pair, return_index=True)
            del pair
            row = np.sort(valid[first])
            del valid, first
            # examples: record ids ranked in sort order (a missing id last)
            rank = np.empty(len(dictionary), dtype=np.int64)
            rank[pc.sort_indices(dictionary).to_numpy()] = np.arange(len(dictionary))
            if dictionary.null_count:
                rank[np.flatnonzero(pc.is_null(dictionary).to_numpy(zero_copy_only=False))] = np.iinfo(np.int64).max
            best = aggregate.example_rows(codes, rank[rcode], confidence)
            del rank, confidence
            keys = pd.DataFrame(list(self._key_index), columns=KEY)
            example = keys.iloc[codes[best]].reset_index(drop=True)
            example["record_id"] = pd.Series(dictionary.take(pa.array(rcode[best])).to_pandas(), dtype="str")
            example["sentence_index"] = sentence_index[best]
            del sentence_index
            built.update(keys=keys, codes=codes, dk=codes[row], named=named[row], pos=pos[row], best=example)
        self._built = built
        return built


def candidate_keys(points: pd.DataFrame, known: set[tuple[str, str]] | None) -> pa.Array | None:
    """The (keyword, polarity) keys whose mentions ``trends.candidates`` looks at (only those
    mentions need to be read), for ``candidate_mentions``; None when there are none."""
    chosen = trends.candidate_points(points, known)
    if chosen.empty:
        return None
    return pa.array(sorted({f"{k}\x00{p}" for k, p in chosen[["keyword", "polarity"]].itertuples(index=False)}),
                    type=pa.string())


def candidate_mentions(part: pa.Table, keys: pa.Array | None) -> pa.Table:
    """The rows of a mentions part (``CANDIDATE_MENTION_COLUMNS``) with one of ``keys``."""
    if keys is None or not part.num_rows:
        return part.slice(0, 0)
    joined = pc.binary_join_element_wise(part.column("keyword").cast(pa.string()),
                                         part.column("polarity").cast(pa.string()), "\x00")
    return part.filter(pc.fill_null(pc.is_in(joined, value_set=keys), False))


def _floats(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A numeric column as float64 with NaN for null (as ``to_pandas`` gives it)."""
    return column.cast(pa.float64()).to_numpy(zero_copy_only=False).astype("float64", copy=False)
