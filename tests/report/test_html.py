"""The HTML report on the synthetic four-week history: sections, figures, escaping, self-containment,
and a headless-Chromium render (skipped where no chromium is installed)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pandas as pd
import pytest

from tests.report.synthetic import build_dataset
from voc_pipeline.io.dataset import OutputDataset
from voc_pipeline.report import html as report


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> tuple[str, object]:
    root = tmp_path_factory.mktemp("report") / "out"
    build_dataset(root)
    path = report.write_report(root)
    return path.read_text(encoding="utf-8"), path


def test_sections_and_figures(page):
    text, _ = page
    for title in ("알림 / alerts (1)", "여정 감성 곡선", "단계 × 채널 규모", "불만 포인트", "칭찬 포인트",
                  "새 키 후보", "옴니채널 여정", "기간 × 채널 규모", "처리 내역"):
        assert title in text, title
    # W47's alert, from the alerts table
    assert "칭찬 &#x27;배송+빠르다&#x27; 감소: 30→10건" in text
    # the emotion curve: both periods, the current one labelled (delivery -50, refund -100)
    assert text.count("<polyline") >= 2 and ">-50</text>" in text and ">-100</text>" in text
    # journey table: delivery W46 -40 -> W47 -50
    assert "<b>-50</b></td><td class=num>-40</td><td class='num neg'>-10</td>" in text
    # pain table: 배송+늦다 falling 60 -> 20, rating lift and a sparkline of 4 weeks
    row = re.search(r"<b>배송\+늦다</b>.*?</tr>", text).group(0)
    assert "<td class=num>20</td><td class=num>60</td>" in row and "▼ 감소" in row
    assert 'aria-label="trend 20 20 60 20"' in row and "+0.067" in row
    # omnichannel: the cross-channel repeat customer, pseudonym shortened
    assert "채널 간 반복 문의 1" in text and "C-cross…" in text
    # accounting by reason
    assert "bad_date" in text and "unparseable date" in text
    # the run line names the model and the sentiment calibration it used
    assert "model synthetic (voc 감성 보정)" in text


def test_self_contained_and_escaped(page):
    text, _ = page
    assert "<script" not in text.lower() and "<link" not in text.lower() and " src=" not in text
    assert re.findall(r"https?://[^\"' ]+", text) == ["http://www.w3.org/2000/svg"] * len(
        re.findall(r"https?://[^\"' ]+", text))


def test_text_is_escaped():
    points = pd.DataFrame([{
        "stage": "delivery", "stage_name": "<i>배송</i>", "keyword": "<script>x</script>", "polarity": "pain",
        "mentions": 3, "previous_mentions": 1, "status": "stable", "p_value": 0.5, "mentions_per_1k": 1.0,
        "negative_share": 1.0, "avg_rating_norm": float("nan"), "rating_lift": float("nan"),
        "nps_lift": float("nan"), "impact_records": 0, "example_quotes": ["\"><img onerror=alert(1)>"],
    }])
    out = report._pain_table(points, {})
    assert "<script>" not in out and "<img" not in out and "<i>" not in out
    assert "&lt;script&gt;" in out


def test_sparkline_and_empty_sections():
    assert report.sparkline([1.0]) == ""
    assert 'points="2.0,20.0 88.0,2.0"' in report.sparkline([0.0, 5.0])
    assert "유의한 변화 없음" in report._alerts(pd.DataFrame(columns=["kind", "message"]))
    assert "no multi-contact journeys" in report._journeys(pd.DataFrame(), {})


def test_first_period_only(tmp_path):
    build_dataset(tmp_path / "one", weeks=["2026-W44"])
    text = report.render_report(OutputDataset(tmp_path / "one"))
    assert "비교 기준 없음" in text and "유의한 변화 없음" in text


@pytest.mark.skipif(not shutil.which("chromium"), reason="headless chromium not installed (apt-get install chromium)")
def test_renders_in_headless_chromium(page, tmp_path):
    _, path = page
    png = tmp_path / "report.png"
    subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,2400",
         f"--screenshot={png}", path.as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000  # a blank page is a few kB
