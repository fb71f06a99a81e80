"""Omnichannel journeys: the records of one pseudonymous customer across channels.

Definitions (docs/metrics.md, "journeys"):
- A journey is every record of one ``customer_key`` (HMAC pseudonym) within a lookback window of
  the period and the ``LOOKBACK_PERIODS - 1`` periods before it. It has at least 2 records, and it
  belongs to the period of its last contact (so each journey appears once, in the period where it
  was last active; a customer who contacts again later reappears there with the longer journey).
- A record is a *repeat contact* when an earlier record of the same customer shares a journey
  stage with it and was created at most ``REPEAT_DAYS`` days before it, in any channel; a
  *cross-channel repeat* when such an earlier record came through a different channel (the call
  centre promised something, the store did not know).
Only pseudonymised keys, channel names, stage ids and record ids appear; no text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from voc_pipeline.schema import UNMAPPED_STAGE

LOOKBACK_PERIODS = 4
REPEAT_DAYS = 7

#: the records columns a journey needs
RECORD_COLUMNS = ["record_id", "customer_key", "channel", "created_at", "sentiment", "stages"]

JOURNEY_COLUMNS = [
    "period", "customer_key", "channels", "stages", "records", "record_ids", "path", "first_contact",
    "last_contact", "span_days", "cross_channel", "repeat_contacts", "cross_channel_repeats", "repeat_contact",
    "repeat_stages", "negative_records", "last_sentiment",
]


def journeys(records: pd.DataFrame | pa.Table, period: str, stage_order=None,
             repeat_days: float = REPEAT_DAYS) -> pd.DataFrame:
    """One row per customer with >= 2 records in ``records`` (the lookback window, with a
    ``period`` column) whose last contact falls in ``period``.

    Vectorised over the whole window (an Arrow sort, then numpy over integer codes, ~30 bytes per
    record of the window): ``records`` is a pandas frame or an Arrow table (what the pipeline
    passes: keys, channels and periods dictionary-encoded, read straight from the staged files).
    The list columns of the result are Arrow lists (``pd.ArrowDtype``); a cell reads back as a
    Python list."""
    if isinstance(records, pd.DataFrame):
        if records.empty:
            return pd.DataFrame(columns=JOURNEY_COLUMNS)
        records = pa.Table.from_pandas(records[[*RECORD_COLUMNS, "period"]], preserve_index=False)
    if records.num_rows == 0:
        return pd.DataFrame(columns=JOURNEY_COLUMNS)
    order = stage_order or (lambda s: 0)
    key_codes, key_values = _codes(records.column("customer_key"))
    usable = pc.greater(pc.utf8_length(key_values), 0).to_numpy(zero_copy_only=False)
    if not usable.any():
        return pd.DataFrame(columns=JOURNEY_COLUMNS)

    # sort like sort_values(["customer_key", "created_at", "record_id"], kind="stable"), NaT last;
    # rows without a usable key sort first (rank -1) and are dropped
    key_rank = _ranks(key_values)
    key_rank[~usable] = -1
    key_rank = np.where(key_codes >= 0, key_rank[np.maximum(key_codes, 0)], -1).astype(np.int32)
    created = records.column("created_at")
    sorting = pa.table({"k": key_rank, "t": created, "r": records.column("record_id")})
    rows = pc.sort_indices(sorting, sort_keys=[("k", "ascending"), ("t", "ascending"), ("r", "ascending")])  # NaT last
    del sorting
    index = np.int32 if records.num_rows < 2**31 else np.int64   # row positions: 4 bytes each
    rows = rows.to_numpy().astype(index)
    rows = rows[key_rank[rows] >= 0]

    # customers with >= 2 records whose last record (in that order) is in ``period``
    starts, sizes = _runs(key_rank[rows])
    period_codes, period_values = _codes(records.column("period"))
    wanted = np.flatnonzero(pc.fill_null(pc.equal(period_values, period), False).to_numpy(zero_copy_only=False))
    last_in_period = np.isin(period_codes[rows[starts + sizes - 1]], wanted)
    del period_codes
    rows = rows[np.repeat((sizes >= 2) & last_in_period, sizes)]
    if not len(rows):
        return pd.DataFrame(columns=JOURNEY_COLUMNS)
    starts, sizes = _runs(key_rank[rows])
    del key_rank

    masks, stage_names = _stage_masks(records.column("stages"))
    masks = masks[rows]
    chan_codes, chan_values = _codes(records.column("channel"))
    chan = chan_codes[rows]
    del chan_codes
    ticks = pc.fill_null(pc.cast(created.take(pa.array(rows)), pa.int64()), np.iinfo(np.int64).min).to_numpy()
    nat = ticks == np.iinfo(np.int64).min
    unit_ns = int(np.timedelta64(1, created.type.unit) // np.timedelta64(1, "ns"))

    # repeat contacts: an earlier record of the customer sharing a stage, at most repeat_days before.
    # Offset k compares each record with the k-th record before it; within a customer times ascend
    # (NaT last, never a repeat), so a record out of the window at offset k stays out for larger k.
    window = pd.Timedelta(days=repeat_days).value // unit_ns
    repeat = np.zeros(len(rows), dtype=bool)
    cross = np.zeros(len(rows), dtype=bool)
    shared = np.zeros(len(rows), dtype=masks.dtype)
    first_of = np.repeat(starts.astype(index), sizes)
    k = 1
    cand = np.flatnonzero(~nat & (np.arange(len(rows), dtype=index) - k >= first_of)).astype(index)
    while len(cand):
        earlier = cand - k
        ok = ticks[cand] - ticks[earlier] <= window
        cand, earlier = cand[ok], earlier[ok]
        common = masks[cand] & masks[earlier]
        hit = common != 0
        repeat[cand[hit]] = True
        cross[cand[hit & (chan[cand] != chan[earlier])]] = True
        shared[cand] |= common
        k += 1
        cand = cand[cand - k >= first_of[cand]]
    del first_of, ticks, nat

    # per customer, then everything in output order (most cross-channel repeats first ...)
    repeats = np.add.reduceat(repeat.astype(np.int64), starts)
    cross_repeats = np.add.reduceat(cross.astype(np.int64), starts)
    sent_codes, sent_values = _codes(records.column("sentiment"))
    neg_codes = np.flatnonzero(pc.fill_null(pc.equal(sent_values, "neg"), False).to_numpy(zero_copy_only=False))
    negative = np.add.reduceat(np.isin(sent_codes[rows], neg_codes).astype(np.int64), starts)
    all_stages = np.bitwise_or.reduceat(masks, starts)
    repeat_stages = np.bitwise_or.reduceat(shared, starts)
    del repeat, cross, shared
    keys = key_values.take(pa.array(key_codes[rows[starts]]))
    by = pc.sort_indices(pa.table({"x": -cross_repeats, "r": -repeats, "n": -sizes, "k": keys}),
                         sort_keys=[("x", "ascending"), ("r", "ascending"), ("n", "ascending"), ("k", "ascending")]
                         ).to_numpy()
    keys, repeats, cross_repeats, negative = keys.take(pa.array(by)), repeats[by], cross_repeats[by], negative[by]
    all_stages, repeat_stages = all_stages[by], repeat_stages[by]
    at = np.repeat(starts[by] - np.r_[0, np.cumsum(sizes[by])[:-1]], sizes[by]) + np.arange(len(rows))
    rows, chan, masks, sizes = rows[at], chan[at], masks[at], sizes[by]
    del at, by
    starts = np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64)
    ends = starts + sizes - 1
    group = np.repeat(np.arange(len(starts), dtype=np.int32), sizes)
    last_sent = sent_codes[rows[ends]]
    del sent_codes

    # channels in order of first contact, per customer
    pair = group.astype(np.int64) * (len(chan_values) + 1) + (chan + 1)
    _, first_pos = np.unique(pair, return_index=True)
    del pair, group
    first_pos.sort()
    channel_names = [*(str(v) for v in chan_values.to_pylist()), "nan"]
    n_channels = np.bincount(np.searchsorted(starts, first_pos, side="right") - 1, minlength=len(starts))
    channels = _lists(n_channels, pa.array(channel_names, type=pa.string()).take(pa.array(chan[first_pos])))

    def names_of(mask) -> list[str]:
        return sorted((n for b, n in enumerate(stage_names) if int(mask) >> b & 1), key=lambda s: (order(s), s))

    # path: "channel:stage/stage" per record (unmapped when it has no mapped stage)
    if masks.dtype != object and masks.dtype.itemsize <= 4:   # (channel, stages) as one int64: no tuples
        width = 1 << (8 * masks.dtype.itemsize)
        combo_codes, combined = pd.factorize((chan.astype(np.int64) + 1) * width + masks.astype(np.int64))
        combo_values = zip((combined // width - 1).tolist(), (combined % width).tolist(), strict=True)
    else:
        combo_codes, combo_values = pd.factorize(pd.MultiIndex.from_arrays([chan, masks]))
    del chan, masks
    steps = pa.array([f"{channel_names[c]}:{'/'.join(names_of(m)) or UNMAPPED_STAGE}" for c, m in combo_values],
                     type=pa.string())
    path = _lists(sizes, steps.take(pa.array(combo_codes)))
    del combo_codes
    record_ids = _lists(sizes, records.column("record_id").take(pa.array(rows)))

    first_contact = created.take(pa.array(rows[starts])).to_pandas()
    last_contact = created.take(pa.array(rows[ends])).to_pandas()
    sentiments = pa.array([*sent_values.to_pylist(), None], type=pa.string())
    return pd.DataFrame({
        "period": period,
        "customer_key": pd.Series(keys, dtype="str"),
        "channels": channels,
        "stages": _mask_lists(all_stages, names_of),
        "records": sizes.astype(np.int64),
        "record_ids": record_ids,
        "path": path,
        "first_contact": first_contact,
        "last_contact": last_contact,
        "span_days": (last_contact - first_contact).dt.total_seconds() / 86400,
        "cross_channel": n_channels > 1,
        "repeat_contacts": repeats,
        "cross_channel_repeats": cross_repeats,
        "repeat_contact": repeats > 0,
        "repeat_stages": _mask_lists(repeat_stages, names_of),
        "negative_records": negative,
        "last_sentiment": pd.Series(sentiments.take(pa.array(np.where(last_sent < 0, len(sent_values), last_sent))),
                                    dtype="str"),
    })[JOURNEY_COLUMNS]


def _runs(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start, length) of each run of equal values in a sorted array."""
    if not len(sorted_keys):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    return starts, np.diff(np.r_[starts, len(sorted_keys)])


def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """(int32 code per row, -1 for missing; the distinct values) of a string or dictionary column."""
    if pa.types.is_dictionary(column.type) and column.num_chunks and not all(
            c.dictionary.equals(column.chunk(0).dictionary) for c in column.chunks[1:]):
        column = column.cast(column.type.value_type)   # chunks with their own dictionaries: encode anew
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    if column.num_chunks == 0:
        return np.empty(0, dtype=np.int32), pa.array([], type=column.type.value_type)
    dictionary = column.chunk(0).dictionary
    codes = np.concatenate([pc.fill_null(chunk.indices, -1).to_numpy().astype(np.int32) for chunk in column.chunks])
    return codes, dictionary


def _ranks(values: pa.Array) -> np.ndarray:
    """Rank of each value in sorted (code point = UTF-8 byte) order."""
    ranks = np.empty(len(values), dtype=np.int64)
    ranks[pc.sort_indices(values).to_numpy()] = np.arange(len(values))
    return ranks


def _stage_masks(stages: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """One bitmask per record of its journey stages (``unmapped`` left out), and the bit -> stage
    names. The narrowest unsigned type that holds every stage; Python ints beyond 64 stages."""
    flat = pc.list_flatten(stages)
    dictionary = pc.unique(flat).to_pylist()
    names = [n for n in dictionary if n is not None and n != UNMAPPED_STAGE]
    bit_of = {n: b for b, n in enumerate(names)}
    dtype = next((t for t in (np.uint8, np.uint16, np.uint32, np.uint64) if len(names) <= np.iinfo(t).bits), object)
    bits = np.array([(1 << bit_of[n]) if n in bit_of else 0 for n in dictionary], dtype=dtype)
    values = pa.array(dictionary, type=pa.string())
    masks = np.zeros(len(stages), dtype=dtype)
    offset = 0
    for chunk in stages.chunks:
        parents = pc.list_parent_indices(chunk).to_numpy() + offset
        codes = pc.index_in(pc.list_flatten(chunk), value_set=values)
        valid = pc.is_valid(pc.list_flatten(chunk)).to_numpy(zero_copy_only=False)
        np.bitwise_or.at(masks, parents[valid], bits[pc.fill_null(codes, 0).to_numpy()[valid]])
        offset += len(chunk)
    return masks, names


def _mask_lists(masks: np.ndarray, names_of) -> pd.Series:
    """The stage-name list of each bitmask, as an Arrow list column."""
    codes, distinct = pd.factorize(masks)
    lists = [names_of(m) for m in distinct]
    return _lists(np.array([len(lists[c]) for c in codes], dtype=np.int64),
                  pa.array([n for c in codes for n in lists[c]], type=pa.string()))


def _lists(sizes: np.ndarray, values: pa.Array | pa.ChunkedArray) -> pd.Series:
    """An Arrow list<string> column from per-row sizes and the flat values (in row order)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    offsets = np.r_[0, np.cumsum(sizes)].astype(np.int32)
    array = pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), values.cast(pa.string()))
    return pd.Series(pd.arrays.ArrowExtensionArray(array))
