"""report/index.html: one self-contained page (inline CSS + SVG, no network) built from the tables."""

from __future__ import annotations

import html
import math
from pathlib import Path

import pandas as pd

from voc_pipeline.errors import OutputError
from voc_pipeline.io.dataset import OutputDataset

_ARROWS = {"rising": ("▲", "#c62828"), "falling": ("▼", "#2e7d32"), "new": ("●", "#ef6c00"), "stable": ("–", "#777")}

_CSS = """
body{font-family:'Noto Sans KR','Malgun Gothic',sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border-bottom:1px solid #eee;padding:5px 6px;text-align:left;vertical-align:top}
th{background:#fafafa}.num{text-align:right;font-variant-numeric:tabular-nums}.q{color:#555;font-size:12px}
.legend span{margin-right:14px;font-size:12px}.muted{color:#888;font-size:12px}
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _fmt(value, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}" if isinstance(value, float) else f"{value:,}"


def emotion_curve(current: pd.DataFrame, previous: pd.DataFrame | None, width: int = 900, height: int = 260) -> str:
    """Sentiment index (-100..100) per stage as a line, this period vs the one before."""
    stages = current[current["stage"] != "unmapped"].sort_values("stage_order")
    n = len(stages)
    if n == 0:
        return "<p class=muted>데이터 없음 / no data</p>"
    pad_l, pad_r, pad_t, pad_b = 40, 20, 20, 50
    step = (width - pad_l - pad_r) / max(n - 1, 1)

    def y(v: float) -> float:
        return pad_t + (100 - v) / 200 * (height - pad_t - pad_b)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="journey emotion curve">']
    for v in (-100, -50, 0, 50, 100):
        parts.append(f'<line x1="{pad_l}" x2="{width - pad_r}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                     f'stroke="{"#999" if v == 0 else "#eee"}"/>'
                     f'<text x="{pad_l - 6}" y="{y(v) + 4:.1f}" font-size="10" text-anchor="end">{v}</text>')
    series = [(stages, "#1565c0", "이번 기간")]
    if previous is not None and not previous.empty:
        prev = previous.set_index("stage").reindex(stages["stage"]).reset_index()
        series.append((prev, "#9e9e9e", "이전 기간"))
    for frame, color, _ in reversed(series):
        pts = [(pad_l + i * step, y(v)) for i, v in enumerate(frame["sentiment_index"]) if v == v]
        if len(pts) > 1:
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2.5" points="'
                         + " ".join(f"{x:.1f},{yy:.1f}" for x, yy in pts) + '"/>')
        for x, yy in pts:
            parts.append(f'<circle cx="{x:.1f}" cy="{yy:.1f}" r="4" fill="{color}"/>')
    for i, (name, recs) in enumerate(zip(stages["stage_name"], stages["records"], strict=True)):
        x = pad_l + i * step
        parts.append(f'<text x="{x:.1f}" y="{height - pad_b + 18}" font-size="11" text-anchor="middle">{_e(name)}</text>'
                     f'<text x="{x:.1f}" y="{height - pad_b + 32}" font-size="10" fill="#888" '
                     f'text-anchor="middle">n={int(recs)}</text>')
    parts.append("</svg>")
    legend = "".join(f'<span style="color:{c}">━ {label}</span>' for _, c, label in series)
    return "".join(parts) + f'<div class="legend">{legend}</div>'


def _pain_table(points: pd.DataFrame) -> str:
    if points.empty:
        return "<p class=muted>언급 없음 / no mentions</p>"
    pains = points[points["polarity"] == "pain"].sort_values("mentions", ascending=False).head(25)
    rows = []
    for r in pains.itertuples(index=False):
        arrow, color = _ARROWS.get(r.status, ("?", "#777"))
        quotes = "<br>".join(f"“{_e(q)}”" for q in list(r.example_quotes)[:2])
        rows.append(
            f"<tr><td>{_e(r.stage_name)}</td><td><b>{_e(r.keyword)}</b></td><td class=num>{r.mentions}</td>"
            f"<td class=num>{r.previous_mentions}</td><td style='color:{color}'>{arrow} {_e(r.status)}</td>"
            f"<td class=num>{_fmt(r.negative_share * 100)}%</td><td class=num>{_fmt(r.avg_rating_norm, 2)}</td>"
            f"<td class=q>{quotes}</td></tr>"
        )
    return ("<table><tr><th>단계</th><th>불만 키워드</th><th>언급</th><th>이전</th><th>추세</th><th>부정 비율</th>"
            "<th>평점(0-1)</th><th>고객의 말</th></tr>" + "".join(rows) + "</table>")


def _volume_table(records: pd.DataFrame) -> str:
    if records.empty:
        return ""
    counts = records.groupby(["period", "channel"]).size().unstack(fill_value=0)
    head = "".join(f"<th class=num>{_e(c)}</th>" for c in counts.columns)
    body = "".join(
        f"<tr><td>{_e(p)}</td>" + "".join(f"<td class=num>{v:,}</td>" for v in row) + "</tr>"
        for p, row in counts.iterrows()
    )
    return f"<table><tr><th>기간</th>{head}</tr>{body}</table>"


def _accounting(manifests: list[dict]) -> str:
    if not manifests:
        return ""
    m = manifests[-1]
    rows = "".join(
        f"<tr><td>{_e(i['path'])}</td><td class=num>{i['rows_read']:,}</td><td class=num>{i['records']:,}</td>"
        f"<td class=num>{i['quarantined']:,}</td><td>{_e(', '.join(f'{k} {v}' for k, v in i['quarantine_reasons'].items()))}</td></tr>"
        for i in m["inputs"]
    )
    return (f"<p class=muted>run {_e(m['run_id'])} · model {_e(m['model']['id'])} · v{_e(m['package_version'])}</p>"
            "<table><tr><th>파일</th><th>읽은 행</th><th>레코드</th><th>격리</th><th>사유</th></tr>" + rows + "</table>")


def render_report(dataset: OutputDataset) -> str:
    periods = dataset.periods()
    if not periods:
        raise OutputError(f"보고서를 만들 데이터가 없습니다: {dataset.root}", f"no committed periods in {dataset.root}")
    latest = periods[-1]
    prev = periods[-2] if len(periods) > 1 else None
    jm = dataset.read("journey_map", latest)
    jm_prev = dataset.read("journey_map", prev) if prev else None
    points = dataset.read("pain_points", latest)
    records = pd.concat([dataset.read("records", p, ["channel"]).assign(period=p) for p in periods[-8:]])
    body = [
        f"<h1>고객 여정 VOC 보고서 · {_e(latest)}</h1>",
        f"<p class=muted>기간 {_e(', '.join(periods))}</p>",
        "<h2>여정 감성 곡선 / journey emotion curve (감성지수 = 100 × (긍정 − 부정))</h2>",
        emotion_curve(jm, jm_prev),
        "<h2>불만 포인트 / pain points</h2>",
        _pain_table(points),
        "<h2>채널별 규모 / volume by channel</h2>",
        _volume_table(records),
        "<h2>처리 내역 / run accounting</h2>",
        _accounting(dataset.manifests()),
    ]
    return (f"<!doctype html><html lang=ko><head><meta charset=utf-8><title>VOC report {_e(latest)}</title>"
            f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>")


def write_report(root: str | Path) -> Path:
    dataset = OutputDataset(root)
    folder = Path(root) / "report"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "index.html"
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_report(dataset), encoding="utf-8")
    tmp.replace(path)
    return path
