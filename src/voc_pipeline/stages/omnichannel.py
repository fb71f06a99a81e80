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


def journeys(records: pd.DataFrame, period: str, stage_order=None, repeat_days: float = REPEAT_DAYS) -> pd.DataFrame:
    """One row per customer with >= 2 records in ``records`` (the lookback window, with a
    ``period`` column) whose last contact falls in ``period``.

    Vectorised over the whole window (numpy over integer codes; a window holds up to
    ``LOOKBACK_PERIODS`` periods of records): string columns may be categoricals, ``stages`` lists
    or an Arrow list column. The list columns of the result are Arrow lists (``pd.ArrowDtype``);
    a cell reads back as a Python list."""
    if records.empty:
        return pd.DataFrame(columns=JOURNEY_COLUMNS)
    order = stage_order or (lambda s: 0)
    key_codes, key_values = _codes(records["customer_key"])
    usable = np.array([len(str(k)) > 0 for k in key_values], dtype=bool)
    rows = np.flatnonzero((key_codes >= 0) & usable[np.maximum(key_codes, 0)]) if len(key_values) else np.empty(0, int)
    if not len(rows):
        return pd.DataFrame(columns=JOURNEY_COLUMNS)

    # sort like sort_values(["customer_key", "created_at", "record_id"], kind="stable"), NaT last
    key_rank = _ranks(key_values)[key_codes]
    created = pd.to_datetime(records["created_at"])
    ticks, unit_ns = _ticks(created)
    nat = ticks == np.iinfo(np.int64).min
    ticks_sorting = np.where(nat, np.iinfo(np.int64).max, ticks)
    rid_codes, _ = pd.factorize(records["record_id"], sort=True)
    rid_codes = np.where(rid_codes < 0, np.iinfo(np.int64).max, rid_codes)
    rows = rows[np.lexsort((rid_codes[rows], ticks_sorting[rows], key_rank[rows]))]

    # customers with >= 2 records whose last record (in that order) is in ``period``
    g = key_rank[rows]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    sizes = np.diff(np.r_[starts, len(rows)])
    period_codes, period_values = _codes(records["period"])
    wanted = [i for i, v in enumerate(period_values) if v == period]
    last_in_period = np.isin(period_codes[rows[starts + sizes - 1]], wanted)
    keep = np.repeat((sizes >= 2) & last_in_period, sizes)
    rows = rows[keep]
    if not len(rows):
        return pd.DataFrame(columns=JOURNEY_COLUMNS)
    g = key_rank[rows]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    sizes = np.diff(np.r_[starts, len(rows)])
    group = np.repeat(np.arange(len(starts)), sizes)

    masks, stage_names = _stage_masks(records["stages"])
    masks = masks[rows]
    chan_codes, chan_values = _codes(records["channel"])
    chan = chan_codes[rows]
    ticks, nat = ticks[rows], nat[rows]

    # repeat contacts: an earlier record of the customer sharing a stage, at most repeat_days before.
    # Offset k compares each record with the k-th record before it; within a customer times ascend
    # (NaT last, never a repeat), so a record out of the window at offset k stays out for larger k.
    window = pd.Timedelta(days=repeat_days).value // unit_ns
    repeat = np.zeros(len(rows), dtype=bool)
    cross = np.zeros(len(rows), dtype=bool)
    shared = np.zeros(len(rows), dtype=masks.dtype)
    first_of = starts[group]
    cand = np.flatnonzero(~nat)
    k = 1
    cand = cand[cand - k >= first_of[cand]]
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

    # per customer
    ends = starts + sizes - 1
    repeats = np.add.reduceat(repeat.astype(np.int64), starts)
    cross_repeats = np.add.reduceat(cross.astype(np.int64), starts)
    sent_codes, sent_values = _codes(records["sentiment"])
    neg = np.isin(sent_codes[rows], [i for i, v in enumerate(sent_values) if v == "neg"])
    negative = np.add.reduceat(neg.astype(np.int64), starts)
    all_stages = np.bitwise_or.reduceat(masks, starts)
    repeat_stages = np.bitwise_or.reduceat(shared, starts)

    # channels in order of first contact, per customer
    n_chan = len(chan_values) + 1
    pair = group.astype(np.int64) * n_chan + (chan + 1)
    _, first_pos = np.unique(pair, return_index=True)
    first_pos.sort()
    channel_names = np.array([*(str(v) for v in chan_values), "nan"], dtype=object)
    n_channels = np.bincount(group[first_pos], minlength=len(starts))
    channels = _lists(n_channels, channel_names[chan[first_pos]])

    def names_of(mask) -> list[str]:
        return sorted((n for b, n in enumerate(stage_names) if int(mask) >> b & 1), key=lambda s: (order(s), s))

    stage_lists = _mask_lists(all_stages, names_of)
    repeat_lists = _mask_lists(repeat_stages, names_of)
    # path: "channel:stage/stage" per record (unmapped when it has no mapped stage)
    combo = pd.MultiIndex.from_arrays([chan, masks])
    combo_codes, combo_values = pd.factorize(combo)
    steps = pa.array([f"{channel_names[c]}:{'/'.join(names_of(m)) or UNMAPPED_STAGE}" for c, m in combo_values],
                     type=pa.string())
    path = _lists(sizes, steps.take(pa.array(combo_codes)))
    record_ids = _lists(sizes, _arrow(records["record_id"]).take(pa.array(rows)))

    created = created.iloc[rows].reset_index(drop=True)
    first_contact = created.iloc[starts].reset_index(drop=True)
    last_contact = created.iloc[ends].reset_index(drop=True)
    out = pd.DataFrame({
        "period": period,
        "customer_key": pd.array([str(key_values[key_codes[r]]) for r in rows[starts]], dtype="str"),
        "channels": channels,
        "stages": stage_lists,
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
        "repeat_stages": repeat_lists,
        "negative_records": negative,
        "last_sentiment": pd.array([sent_values[c] if c >= 0 else None for c in sent_codes[rows[ends]]], dtype="str"),
    })[JOURNEY_COLUMNS]
    by = np.lexsort((_ranks(out["customer_key"].to_numpy(dtype=object)), -out["records"].to_numpy(),
                     -out["repeat_contacts"].to_numpy(), -out["cross_channel_repeats"].to_numpy()))
    return out.take(by).reset_index(drop=True)


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(int64 code per row, -1 for missing; the distinct values) of a column, categorical or not."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy().astype(np.int64), values.cat.categories.to_numpy(dtype=object)
    codes, uniques = pd.factorize(values)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def _ranks(values: np.ndarray) -> np.ndarray:
    """Rank of each value in sorted (code point) order."""
    ranks = np.empty(len(values), dtype=np.int64)
    ranks[np.argsort(np.asarray(values, dtype=object), kind="stable")] = np.arange(len(values))
    return ranks


def _arrow(values: pd.Series, type_: pa.DataType | None = None) -> pa.Array:
    """A column as one Arrow array (zero-copy for Arrow-backed columns); ``type_`` default string."""
    if isinstance(values.dtype, pd.ArrowDtype | pd.StringDtype):
        array = pa.array(values)
        return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    return pa.array(values.to_numpy(dtype=object), type=type_ or pa.string(), from_pandas=True)


def _ticks(created: pd.Series) -> tuple[np.ndarray, int]:
    """(int64 ticks since the epoch, NaT = int64 min; nanoseconds per tick) of a datetime column."""
    if isinstance(created.dtype, pd.DatetimeTZDtype):
        created = created.dt.tz_convert("UTC").dt.tz_localize(None)
    unit = np.datetime_data(created.dtype)[0]
    return created.to_numpy().view(np.int64), int(np.timedelta64(1, unit) // np.timedelta64(1, "ns"))


def _stage_masks(stages: pd.Series) -> tuple[np.ndarray, list[str]]:
    """One bitmask per record of its journey stages (``unmapped`` left out), and the bit -> stage names."""
    lists = _arrow(stages, pa.list_(pa.string()))
    flat = pc.list_flatten(lists)
    parents = pc.list_parent_indices(lists).to_numpy()
    encoded = pc.dictionary_encode(flat)
    names = [n for n in encoded.dictionary.to_pylist() if n is not None and n != UNMAPPED_STAGE]
    bit_of = {n: b for b, n in enumerate(names)}
    wide = len(names) >= 63
    dtype = object if wide else np.uint64
    bits = np.array([(1 << bit_of[n]) if n in bit_of else 0 for n in encoded.dictionary.to_pylist()], dtype=dtype)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    valid = ~np.asarray(encoded.indices.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    masks = np.zeros(len(stages), dtype=dtype)
    np.bitwise_or.at(masks, parents[valid], bits[codes[valid].astype(np.int64)])
    return masks, names


def _mask_lists(masks: np.ndarray, names_of) -> pd.Series:
    """The stage-name list of each bitmask, as an Arrow list column."""
    codes, distinct = pd.factorize(masks)
    lists = [names_of(m) for m in distinct]
    return _lists(np.array([len(lists[c]) for c in codes], dtype=np.int64),
                  pa.array([n for c in codes for n in lists[c]], type=pa.string()))


def _lists(sizes: np.ndarray, values) -> pd.Series:
    """An Arrow list<string> column from per-row sizes and the flat values (in row order)."""
    offsets = np.r_[0, np.cumsum(sizes)].astype(np.int32)
    values = values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())
    array = pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), values.cast(pa.string()))
    return pd.Series(pd.arrays.ArrowExtensionArray(array))
