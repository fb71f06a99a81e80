"""A realistic review export for the benchmarks, written from real text in ../shared/data.

Short reviews: NSMC (Naver movie reviews, CC0), cycled when more rows are asked for than the file
has (642k). Long texts (optional, ``long_share``): Blue House petitions, written as a complaint
export. Neither file is copied into the repository: exports go to a temporary folder.

The export looks like a shop's weekly dump: UTF-8 CSV with Korean headers, a review id, a
timestamp spread over four ISO weeks (``weeks``), a star rating, a member id, a product name.
"""

from __future__ import annotations

from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NSMC = SHARED / "nsmc" / "nsmc_dev.parquet"
PETITIONS = SHARED / "petitions" / "petitions.parquet"
PRODUCTS = ["극세사 차렵이불 Q", "오버핏 코듀로이 셔츠", "스톤웨어 머그 2P", "논슬립 욕실화", "무드등 LED 스탠드",
            "구스다운 베개", "세미와이드 데님", "뽀글이 집업"]


def texts(n: int, long_share: float = 0.0) -> list[str]:
    """The first n benchmark texts (same order as the export): short reviews, every k-th a long one."""
    import pandas as pd

    short = pd.read_parquet(NSMC, columns=["text"])["text"].dropna()
    short = short[short.str.strip().str.len() > 0].tolist()
    longs: list[str] = []
    if long_share > 0:
        longs = pd.read_parquet(PETITIONS, columns=["text"])["text"].dropna()
        longs = [t[:20000] for t in longs.tolist() if t.strip()]
    every = round(1 / long_share) if long_share > 0 else 0
    out, si, li = [], 0, 0
    for i in range(n):
        if every and i % every == every - 1:
            out.append(longs[li % len(longs)])
            li += 1
        else:
            out.append(short[si % len(short)])
            si += 1
    return out


def write_export(folder: str | Path, n: int, long_share: float = 0.0, model_path: str | None = None,
                 batch_rows: int | None = None, weeks: int = 4,
                 record_pass: str | None = None) -> tuple[Path, list[str]]:
    """Write folder/reviews.csv and folder/bench.yaml; returns (config path, texts in export order).
    ``weeks``: the timestamps spread over that many ISO weeks from 2026-W37 (1: every record in one
    period, aggregation's worst case)."""
    import numpy as np
    import pandas as pd

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    body = texts(n, long_share)
    rng = np.random.default_rng(13)
    # Monday of 2026-W37: by default four weeks W37..W40, all in the past (period.valid_until defaults to
    # tomorrow: a record dated later is quarantined, date_out_of_range)
    start = pd.Timestamp("2026-09-07 00:00")
    seconds = np.sort(rng.integers(0, weeks * 7 * 86400, size=n))
    stamps = (start + pd.to_timedelta(seconds, unit="s")).strftime("%Y-%m-%d %H:%M")
    frame = pd.DataFrame({
        "리뷰ID": [f"R{i:08d}" for i in range(n)],
        "작성일": stamps,
        "별점": rng.integers(1, 6, size=n),
        "회원ID": [f"member{j:06d}" for j in rng.integers(0, 200_000, size=n)],
        "상품명": [PRODUCTS[j] for j in rng.integers(0, len(PRODUCTS), size=n)],
        "리뷰내용": body,
    })
    frame.to_csv(folder / "reviews.csv", index=False, encoding="utf-8")
    settings = ([f"  path: {model_path}"] if model_path else []) + ([f"  record_pass: {record_pass}"] if record_pass else [])
    model = "model:\n" + "".join(f"{line}\n" for line in settings) if settings else ""
    rows = f"batch_rows: {batch_rows}\n" if batch_rows else ""
    (folder / "bench.yaml").write_text(
        f"""sources:
  - name: reviews
    channel: review
    path: reviews.csv
    encoding: utf-8
    columns:
      id: 리뷰ID
      text: 리뷰내용
      created_at: 작성일
      rating: 별점
      rating_scale: 5
      customer_key: 회원ID
      product: 상품명
domain: commerce
privacy:
  secret_env: VOC_PIPELINE_SECRET
period:
  granularity: week
  timezone: Asia/Seoul
output: out
base_dir: {folder}
{model}{rows}""",
        encoding="utf-8",
    )
    return folder / "bench.yaml", body
