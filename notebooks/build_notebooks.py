"""Writes the two notebooks (outputs empty). Edit here, run `python notebooks/build_notebooks.py`."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent

SETUP = '''%matplotlib inline
import os
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib import font_manager

from voc_pipeline.io.dataset import read_table

# The demo output (make demo); VOC_OUTPUT points elsewhere (CI sets it to a fresh run).
OUT = Path(os.environ.get("VOC_OUTPUT", "../out/demo" if Path("../out/demo").exists() else "out/demo"))
assert (OUT / "records").is_dir(), f"no pipeline output at {OUT}: run `make demo` first"

# Korean labels: use a CJK font when one is installed (fonts-noto-cjk), else keep the default.
for name in ("Noto Sans CJK KR", "Noto Sans KR", "NanumGothic", "Malgun Gothic", "AppleGothic"):
    if any(f.name == name for f in font_manager.fontManager.ttflist):
        matplotlib.rcParams["font.family"] = name
        break
matplotlib.rcParams["axes.unicode_minus"] = False
pd.set_option("display.max_colwidth", 80)
print(OUT)'''


def explore() -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell(
            "# 불만 포인트 탐색 / exploring pain points\n\n"
            "Loads the pipeline's tables with pandas, filters one journey stage, reads the (masked) quotes "
            "behind a pain point and plots its trend. Definitions of every column: `docs/metrics.md`."),
        new_code_cell(SETUP),
        new_markdown_cell("## The tables\nOne folder per table, partitioned by `period`; `read_table` returns "
                          "every period with a `period` column."),
        new_code_cell('''records = read_table(OUT, "records")
sentences = read_table(OUT, "sentences")
mentions = read_table(OUT, "mentions")
pain_points = read_table(OUT, "pain_points")
journey_map = read_table(OUT, "journey_map")
alerts = read_table(OUT, "alerts")
periods = sorted(records["period"].unique())
latest = periods[-1]
print("periods:", periods)
records.groupby(["period", "channel"]).size().unstack(fill_value=0)'''),
        new_markdown_cell("## The journey map of the latest period, against the one before"),
        new_code_cell('''jm = journey_map[journey_map["period"] == latest].sort_values("stage_order")
jm[["stage_name", "records", "sentences", "sentiment_index", "previous_sentiment_index",
    "sentiment_index_change", "negative_share", "status", "nps", "top_pain_points"]]'''),
        new_markdown_cell("## Filter a stage\nChange `STAGE` to any stage id of the taxonomy (commerce: discover, "
                          "explore, order, payment, delivery, use, support, refund, loyalty)."),
        new_code_cell('''STAGE = "delivery"
pp = pain_points[(pain_points["period"] == latest) & (pain_points["polarity"] == "pain")]
if not (pp["stage"] == STAGE).any() and not pp.empty:
    STAGE = pp.sort_values("mentions", ascending=False)["stage"].iloc[0]  # the stage with most pain instead
stage_points = pp[pp["stage"] == STAGE].sort_values("mentions", ascending=False)
print("stage:", STAGE)
stage_points[["keyword", "mentions", "previous_mentions", "status", "p_value", "mentions_per_1k",
              "negative_share", "avg_rating_norm", "rating_lift", "nps_lift", "impact_records"]]'''),
        new_markdown_cell("## Read the quotes behind one pain point\nEvery mention of the key this period, with "
                          "the masked sentence that carries it, the channel and the rating."),
        new_code_cell('''KEY = stage_points["keyword"].iloc[0] if not stage_points.empty else None
print("pain point:", KEY)
if KEY is not None:
    m = mentions[(mentions["period"] == latest) & (mentions["keyword"] == KEY) & (mentions["stage"] == STAGE)]
    quotes = (m.merge(sentences[["record_id", "sentence_index", "text"]], on=["record_id", "sentence_index"])
               .merge(records[["record_id", "channel", "rating", "sentiment"]], on="record_id")
               .sort_values("confidence", ascending=False))
    display(quotes[["channel", "rating", "sentiment", "confidence", "text"]].head(15))'''),
        new_markdown_cell("## Trend: mentions per 1,000 records, week by week\nThe trend test compares these "
                          "rates (exact conditional binomial test, docs/metrics.md)."),
        new_code_cell('''top = (pain_points[pain_points["polarity"] == "pain"].groupby(["stage", "keyword"])["mentions"].sum()
       .nlargest(5).index)
series = (pain_points.set_index(["stage", "keyword"]).loc[top].reset_index()
          .pivot_table(index="period", columns="keyword", values="mentions_per_1k", aggfunc="sum")
          .reindex(periods).fillna(0))
ax = series.plot(marker="o", figsize=(8, 4), title="언급 / 1천 레코드 (top 5 pain points)")
ax.set_xlabel("period")
ax.set_ylabel("mentions per 1k records")
plt.show()
series.round(1)'''),
        new_code_cell('''curve = journey_map[journey_map["stage"] != "unmapped"].pivot_table(
    index="stage_order", columns="period", values="sentiment_index")
names = journey_map.drop_duplicates("stage_order").set_index("stage_order")["stage_name"]
ax = curve.plot(marker="o", figsize=(9, 4), title="여정 감성 곡선 (감성지수 per stage)")
ax.set_xticks(curve.index)
ax.set_xticklabels(names.reindex(curve.index), rotation=30)
ax.axhline(0, color="#999", lw=0.8)
plt.show()'''),
        new_markdown_cell("## What changed: alerts and candidate keys"),
        new_code_cell('''display(alerts[["period", "kind", "stage", "keyword", "previous", "current", "p_value", "message"]])
read_table(OUT, "pain_point_candidates")[["period", "keyword", "polarity", "stage", "mentions", "reasons"]]'''),
    ]
    return new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                              "language": "python"}})


def omnichannel() -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell(
            "# 옴니채널 여정 / omnichannel journeys\n\n"
            "One pseudonymous customer's records across channels form a journey (`journeys` table). A repeat "
            "contact is a later record of the same customer on the same journey stage within 7 days; a "
            "cross-channel repeat came through another channel (the call centre promised an exchange, the "
            "customer had to ask again elsewhere). Definitions: `docs/metrics.md`."),
        new_code_cell(SETUP),
        new_code_cell('''journeys = read_table(OUT, "journeys")
records = read_table(OUT, "records")
periods = sorted(records["period"].unique())
print(len(journeys), "journeys with 2+ records")
summary = journeys.groupby("period").agg(
    journeys=("customer_key", "size"), cross_channel=("cross_channel", "sum"),
    with_repeat=("repeat_contact", "sum"), cross_channel_repeats=("cross_channel_repeats", lambda s: (s > 0).sum()),
    avg_records=("records", "mean")).reindex(periods, fill_value=0)
summary'''),
        new_markdown_cell("## Which channel follows which\nConsecutive contacts of one customer, channel to channel."),
        new_code_cell('''from itertools import pairwise

steps = [(a.split(":")[0], b.split(":")[0]) for path in journeys["path"] for a, b in pairwise(path)]
transitions = pd.crosstab(pd.Series([a for a, _ in steps], name="from"), pd.Series([b for _, b in steps], name="to"))
transitions'''),
        new_markdown_cell("## Repeat contacts by journey stage"),
        new_code_cell('''by_stage = journeys.explode("repeat_stages")["repeat_stages"].dropna().value_counts()
if by_stage.empty:
    print("no repeat contacts")
else:
    ax = by_stage.plot.barh(figsize=(6, 3), title="repeat contacts by stage")
    plt.show()
by_stage'''),
        new_markdown_cell("## Read one cross-channel journey\nThe customer's records in time order (masked text)."),
        new_code_cell('''pick = journeys.sort_values(["cross_channel_repeats", "repeat_contacts", "records"], ascending=False)
if pick.empty:
    print("no journeys")
else:
    j = pick.iloc[0]
    print(j["customer_key"][:10] + "…", j["channels"], j["stages"], f"{j['span_days']:.1f} days")
    timeline = records.set_index("record_id").loc[list(j["record_ids"])].sort_values("created_at")
    display(timeline[["created_at", "channel", "stages", "sentiment", "text"]])'''),
        new_code_cell('''if not journeys.empty:
    ax = journeys.groupby("period")[["cross_channel", "repeat_contact"]].sum().reindex(periods, fill_value=0).plot(
        marker="o", figsize=(7, 3), title="journeys crossing channels / with repeat contacts")
    plt.show()'''),
    ]
    return new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                              "language": "python"}})


if __name__ == "__main__":
    nbformat.write(explore(), HERE / "explore_pain_points.ipynb")
    nbformat.write(omnichannel(), HERE / "omnichannel_journeys.ipynb")
