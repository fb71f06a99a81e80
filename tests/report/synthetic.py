"""A synthetic four-week history whose trend answers are known by construction.

Every week has ``RECORDS`` records; each mention sits in its own record and sentence, so counts
are exact. Per week (W44, W45, W46, W47):

- delivery pain  배송+늦다     20, 20, 60, 20  -> W45 stable, W46 rising, W47 falling
- delivery pain  포장+파손되다  10, 10, 10, 10  -> stable throughout
- delivery praise 배송+빠르다   30, 30, 30, 10  -> W47 falling (praise_falling alert)
- refund pain    환불+안 되다    0,  0,  8,  8  -> W46 new (pain_new alert, candidate), W47 stable
- unmapped pain  뭔가+이상하다   0,  0,  0,  4  -> W47 candidate (new_key + unmapped)
- delivery negative sentences 30/60, 30/60, 70/100, 30/40 -> W46 rising (stage_worsening)

Omnichannel: customer C-cross complains (complaint, refund) on W47 Monday and chats about the
refund two days later (a cross-channel repeat); C-same writes two reviews 10 days apart about
delivery (not a repeat: outside 7 days); C-old had records only in W44 and W45 (journey of W45).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from voc_pipeline.config import domain_path
from voc_pipeline.io.dataset import OutputDataset
from voc_pipeline.stages.journey import load_taxonomy

WEEKS = ["2026-W44", "2026-W45", "2026-W46", "2026-W47"]
RECORDS = 200
KST = ZoneInfo("Asia/Seoul")

KEYS = [  # (stage, keyword, aspect, opinion, polarity, counts per week)
    ("delivery", "배송+늦다", "배송", "늦다", "pain", [20, 20, 60, 20]),
    ("delivery", "포장+파손되다", "포장", "파손되다", "pain", [10, 10, 10, 10]),
    ("delivery", "배송+빠르다", "배송", "빠르다", "praise", [30, 30, 30, 10]),
    ("refund", "환불+안 되다", "환불", "안 되다", "pain", [0, 0, 8, 8]),
    ("unmapped", "뭔가+이상하다", "뭔가", "이상하다", "pain", [0, 0, 0, 4]),
]


def week_start(week: str) -> datetime:
    year, w = week.split("-W")
    d = date.fromisocalendar(int(year), int(w), 1)
    return datetime(d.year, d.month, d.day, 9, 0, tzinfo=KST)


def _week(wi: int, week: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    recs, sents, ments = [], [], []
    start = week_start(week)
    i = 0
    for stage, keyword, aspect, opinion, polarity, counts in KEYS:
        for k in range(counts[wi]):
            rid = f"{week}-{i:04d}"
            sentiment = "neg" if polarity == "pain" else "pos"
            recs.append({"record_id": rid, "channel": "review", "sentiment": sentiment,
                         "rating_norm": 0.25 if polarity == "pain" else 1.0, "nps": None,
                         "stages": [] if stage == "unmapped" else [stage], "customer_key": f"K{rid}",
                         "created_at": start + timedelta(hours=k % 100)})
            text = f"{aspect} {opinion} 문장 {k}"
            sents.append({"record_id": rid, "sentence_index": 0, "text": text, "sentiment": sentiment, "stage": stage})
            ments.append({"record_id": rid, "sentence_index": 0, "aspect": aspect, "opinion": opinion,
                          "keyword": keyword, "polarity": polarity, "stage": stage,
                          "confidence": 0.5 + (k % 10) / 20})
            i += 1
    while i < RECORDS:
        rid = f"{week}-{i:04d}"
        recs.append({"record_id": rid, "channel": "complaint" if i % 2 else "review", "sentiment": "neu",
                     "rating_norm": 0.75 if i % 2 == 0 else None, "nps": float(i % 11) if i % 3 == 0 else None,
                     "stages": [], "customer_key": f"K{rid}", "created_at": start + timedelta(hours=i % 100)})
        sents.append({"record_id": rid, "sentence_index": 0, "text": "그냥 문의", "sentiment": "neu",
                      "stage": "unmapped"})
        i += 1
    records = pd.DataFrame(recs)
    # omnichannel customers (re-use filler records so that the counts above stay exact)
    filler = records.index[records["sentiment"] == "neu"]
    if week == "2026-W47":
        a, b = filler[0], filler[1]
        records.loc[a, ["customer_key", "channel", "created_at"]] = ["C-cross", "complaint", start]
        records.loc[b, ["customer_key", "channel", "created_at"]] = ["C-cross", "chat", start + timedelta(days=2)]
        records.at[a, "stages"] = ["refund"]
        records.at[b, "stages"] = ["refund"]
    if week in ("2026-W46", "2026-W47"):
        c = filler[2]
        records.loc[c, ["customer_key", "channel"]] = ["C-same", "review"]
        records.at[c, "stages"] = ["delivery"]
        records.at[c, "created_at"] = start + timedelta(days=3 if week == "2026-W47" else 0)
    if week in ("2026-W44", "2026-W45"):
        records.loc[filler[3], ["customer_key", "channel"]] = ["C-old", "chat" if week == "2026-W44" else "review"]
    records["created_at"] = pd.to_datetime(records["created_at"])
    records["period"] = week
    return records, pd.DataFrame(sents).assign(period=week), pd.DataFrame(ments).assign(period=week)


def history() -> dict[str, tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]]:
    return {w: _week(i, w) for i, w in enumerate(WEEKS)}


def build_dataset(root: Path, weeks: list[str] | None = None, run_id: str = "20261123T000000000000Z") -> OutputDataset:
    """Stage the synthetic weeks, aggregate them with the pipeline's own ``_aggregate``, commit."""
    from voc_pipeline.pipeline import _aggregate

    weeks = weeks or WEEKS
    taxonomy = load_taxonomy(domain_path("commerce"))
    dataset = OutputDataset(root)
    hist = history()
    with dataset.lock():
        staging = dataset.staging(run_id)
        for w in weeks:
            records, sentences, mentions = hist[w]
            staging.write_by_period("records", records.assign(text="마스킹된 본문 [전화번호]", source="s", input_rows=1))
            staging.write_by_period("sentences", sentences)
            staging.write_by_period("mentions", mentions)
        staging.write("quarantine", weeks[-1], pd.DataFrame({
            "source": ["reviews"], "source_file": ["data/x.csv"], "source_row": [3], "reason_code": ["bad_date"],
            "reason": ["날짜"], "excerpt": ["<script>alert(1)</script>"]}))
        periods = set(weeks)
        _aggregate(staging, dataset, periods, taxonomy)
        manifest = {
            "run_id": run_id, "package_version": "test", "model": {"id": "synthetic", "hash": "0", "sentiment_fusion": "voc"},
            "periods": sorted(periods),
            "inputs": [{"source": "reviews", "path": "data/x.csv", "sha256": "0", "rows_read": RECORDS * len(weeks) + 1,
                        "records": RECORDS * len(weeks), "record_rows": RECORDS * len(weeks), "quarantined": 1,
                        "quarantine_reasons": {"bad_date": 1}, "balanced": True}],
            "counts": {"rows_read": RECORDS * len(weeks) + 1, "records": RECORDS * len(weeks), "quarantined": 1},
        }
        dataset.commit(staging, run_id, periods, manifest)
    return dataset
