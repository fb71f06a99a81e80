"""report/index.html: one self-contained page (inline CSS + SVG, no network, no script) built from the tables.

Sections: key figures, alerts, the journey map as an emotion curve (this period vs the one before)
with its week-over-week table, volume per stage and channel, pain points (trend arrow, sparkline,
impact, masked quotes), praise, candidate keys, omnichannel journeys, volume per period and
channel, and the run's accounting. Every text value is HTML-escaped; only masked text and
pseudonymised keys are in the tables it reads.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from voc_pipeline.errors import OutputError
from voc_pipeline.io.dataset import OutputDataset
from voc_pipeline.schema import REASON_CODES

_ARROWS = {"rising": ("▲", "#c62828"), "falling": ("▼", "#2e7d32"), "new": ("●", "#ef6c00"), "stable": ("–", "#777")}
_STATUS_KO = {"rising": "증가", "falling": "감소", "new": "신규", "stable": "유지"}
_CHANNEL_KO = {"complaint": "콜센터 불만", "review": "리뷰", "chat": "채팅 상담", "agent_note": "상담 메모"}
_ALERT_KO = {"pain_rising": "불만 급증", "pain_new": "새 불만", "praise_falling": "칭찬 감소",
             "stage_worsening": "단계 악화"}
HISTORY = 8  # periods shown in sparklines and volume tables
PATH_STEPS = 8  # last contacts shown per journey

_CSS = """
*{box-sizing:border-box}
body{font-family:'Noto Sans CJK KR','Noto Sans KR','Malgun Gothic','Apple SD Gothic Neo',sans-serif;margin:24px auto;
color:#222;max-width:1180px;padding:0 16px;line-height:1.45}
h1{font-size:22px;margin-bottom:2px}h2{font-size:17px;margin-top:30px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border-bottom:1px solid #eee;padding:5px 6px;text-align:left;
vertical-align:top}th{background:#fafafa;font-weight:600}.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.q{color:#555;font-size:12px}.legend span{margin-right:14px;font-size:12px}.muted{color:#888;font-size:12px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:14px 0}.card{border:1px solid #e3e3e3;border-radius:8px;padding:10px 14px;
min-width:150px}.card b{display:block;font-size:22px}.card span{font-size:12px;color:#666}
.alert{border-left:4px solid #c62828;background:#fff5f5;padding:6px 10px;margin:4px 0;font-size:13px}
.alert.pain_new{border-color:#ef6c00;background:#fff8f0}.alert.praise_falling{border-color:#6a1b9a;background:#faf5fc}
.chip{display:inline-block;border-radius:10px;padding:1px 7px;margin:1px 2px;font-size:11px;background:#eef3fb;color:#1a3d6d;
white-space:nowrap}.chip.complaint{background:#fdecea;color:#8a1c1c}.chip.chat{background:#e8f5e9;color:#1b5e20}
.chip.review{background:#fff8e1;color:#7a5600}.chip.agent_note{background:#ede7f6;color:#4527a0}
.heat td.num{min-width:54px}td.nw{white-space:nowrap}.pos{color:#2e7d32}.neg{color:#c62828}
"""


def _e(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value))


def _isnan(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _fmt(value, digits: int = 0, sign: bool = False) -> str:
    if _isnan(value):
        return "–"
    if isinstance(value, (float, int)) and not isinstance(value, bool):
        return f"{value:+,.{digits}f}" if sign else f"{value:,.{digits}f}"
    return _e(value)


def _list(value) -> list:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return []
    return list(value)


def _pct(share) -> str:
    return "–" if _isnan(share) else f"{100 * share:.0f}%"


def _status(status, p_value=None, good_when_rising: bool = False) -> str:
    arrow, color = _ARROWS.get(str(status), ("?", "#777"))
    if good_when_rising and status in ("rising", "falling"):  # praise: more is good news
        color = _ARROWS["falling" if status == "rising" else "rising"][1]
    title = f" title='p={p_value:.3g}'" if not _isnan(p_value) else ""
    return (f"<span style='color:{color};white-space:nowrap'{title}>{arrow} "
            f"{_e(_STATUS_KO.get(str(status), status))}</span>")


def _channel(c) -> str:
    return f"<span class='chip {_e(c)}'>{_e(_CHANNEL_KO.get(str(c), c))}</span>"


def emotion_curve(current: pd.DataFrame, previous: pd.DataFrame | None, width: int = 1000, height: int = 280) -> str:
    """Sentiment index (-100..100) per stage as a line, this period vs the one before."""
    stages = current[current["stage"] != "unmapped"].sort_values("stage_order")
    n = len(stages)
    if n == 0:
        return "<p class=muted>데이터 없음 / no data</p>"
    pad_l, pad_r, pad_t, pad_b = 80, 60, 24, 54
    step = (width - pad_l - pad_r) / max(n - 1, 1)

    def y(v: float) -> float:
        return pad_t + (100 - v) / 200 * (height - pad_t - pad_b)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="journey emotion curve">',
             f'<rect x="{pad_l}" y="{pad_t}" width="{width - pad_l - pad_r}" height="{y(0) - pad_t:.1f}" fill="#f3f9f3"/>',
             f'<rect x="{pad_l}" y="{y(0):.1f}" width="{width - pad_l - pad_r}" height="{y(-100) - y(0):.1f}" '
             f'fill="#fdf3f3"/>']
    for v in (-100, -50, 0, 50, 100):
        parts.append(f'<line x1="{pad_l}" x2="{width - pad_r}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                     f'stroke="{"#999" if v == 0 else "#e6e6e6"}"/>'
                     f'<text x="{pad_l - 6}" y="{y(v) + 4:.1f}" font-size="10" text-anchor="end">{v}</text>')
    series = [(stages.reset_index(drop=True), "#1565c0", "이번 기간")]
    if previous is not None and not previous.empty:
        prev = previous.set_index("stage").reindex(stages["stage"]).reset_index()
        series.append((prev, "#9e9e9e", "이전 기간"))
    for k, (frame, color, _) in enumerate(reversed(series)):
        dash = ' stroke-dasharray="6 4"' if color == "#9e9e9e" else ""
        pts = [(pad_l + i * step, y(v), v) for i, v in enumerate(frame["sentiment_index"]) if not _isnan(v)]
        if len(pts) > 1:
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2.5"{dash} points="'
                         + " ".join(f"{x:.1f},{yy:.1f}" for x, yy, _ in pts) + '"/>')
        for x, yy, v in pts:
            parts.append(f'<circle cx="{x:.1f}" cy="{yy:.1f}" r="4" fill="{color}"><title>{v:+.0f}</title></circle>')
            if k == len(series) - 1:  # label the current period's points
                parts.append(f'<text x="{x:.1f}" y="{yy - 9:.1f}" font-size="11" text-anchor="middle" '
                             f'fill="{color}">{v:+.0f}</text>')
    for i, (name, recs) in enumerate(zip(stages["stage_name"], stages["records"], strict=True)):
        x = pad_l + i * step
        parts.append(f'<text x="{x:.1f}" y="{height - pad_b + 18}" font-size="12" text-anchor="middle">{_e(name)}</text>'
                     f'<text x="{x:.1f}" y="{height - pad_b + 33}" font-size="10" fill="#888" '
                     f'text-anchor="middle">n={int(recs)}</text>')
    parts.append("</svg>")
    legend = "".join(f'<span style="color:{c}">━ {label}</span>' for _, c, label in series)
    return "".join(parts) + f'<div class="legend">{legend}<span class=muted>점 = 감성지수, n = 단계 레코드 수</span></div>'


def sparkline(values: list[float], width: int = 90, height: int = 22, color: str = "#c62828") -> str:
    """A tiny inline SVG line of a series (oldest first); the last point is marked."""
    vals = [0.0 if _isnan(v) else float(v) for v in values]
    if len(vals) < 2:
        return ""
    top = max(vals) or 1.0
    step = (width - 4) / (len(vals) - 1)
    pts = [(2 + i * step, height - 2 - v / top * (height - 4)) for i, v in enumerate(vals)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
            f'aria-label="trend {" ".join(f"{v:g}" for v in vals)}"><polyline fill="none" stroke="{color}" '
            f'stroke-width="1.5" points="{line}"/><circle cx="{pts[-1][0]:.1f}" cy="{pts[-1][1]:.1f}" r="2.5" '
            f'fill="{color}"/></svg>')


def _cards(records: int, prev_records, alerts: pd.DataFrame, journeys: pd.DataFrame, jm: pd.DataFrame,
           manifest: dict | None) -> str:
    mapped = jm[(jm["stage"] != "unmapped") & (jm["sentences"] > 0)]
    weights = mapped["sentences"].sum()
    overall = float((mapped["sentiment_index"] * mapped["sentences"]).sum() / weights) if weights else float("nan")
    cross = int((journeys["cross_channel_repeats"] > 0).sum()) if not journeys.empty else 0
    quarantined = manifest["counts"]["quarantined"] if manifest else None
    delta = f" (이전 {prev_records:,})" if prev_records is not None else ""
    cards = [
        (f"{records:,}", f"레코드 / records{delta}"),
        (_fmt(overall, 0, sign=True), "전체 감성지수 (문장 가중)"),
        (f"{len(alerts):,}", "알림 / alerts"),
        (f"{cross:,}", "채널 간 반복 문의 고객"),
        (_fmt(quarantined), "격리 행 (이번 실행) / quarantined"),
    ]
    return "<div class=cards>" + "".join(f"<div class=card><b>{v}</b><span>{_e(t)}</span></div>" for v, t in cards) \
        + "</div>"


def _alerts(alerts: pd.DataFrame) -> str:
    if alerts.empty:
        return "<p class=muted>유의한 변화 없음 / no significant change</p>"
    return "".join(
        f"<div class='alert {_e(r.kind)}'><b>{_e(_ALERT_KO.get(r.kind, r.kind))}</b> · {_e(r.message)}</div>"
        for r in alerts.itertuples(index=False)
    )


def _journey_table(jm: pd.DataFrame) -> str:
    rows = []
    for r in jm.sort_values("stage_order").itertuples(index=False):
        change = getattr(r, "sentiment_index_change", float("nan"))
        cls = "" if _isnan(change) else ("pos" if change > 0 else "neg" if change < 0 else "")
        rows.append(
            f"<tr><td>{_e(r.stage_name)}</td><td class=num>{r.records:,}</td><td class=num>{r.sentences:,}</td>"
            f"<td class=num><b>{_fmt(r.sentiment_index, 0, True)}</b></td>"
            f"<td class=num>{_fmt(getattr(r, 'previous_sentiment_index', None), 0, True)}</td>"
            f"<td class='num {cls}'>{_fmt(change, 0, True)}</td>"
            f"<td class=num>{_pct(r.negative_share)}</td>"
            f"<td>{_status(getattr(r, 'status', None), getattr(r, 'p_value', None))}</td>"
            f"<td class=num>{_fmt(r.avg_rating_norm, 2)}</td><td class=num>{_fmt(r.nps, 0, True)}</td>"
            f"<td class=q>{_e(', '.join(_list(r.top_pain_points)))}</td>"
            f"<td class=q>{_e(', '.join(_list(r.top_praise_points)))}</td></tr>"
        )
    return ("<table><tr><th>단계</th><th class=num>레코드</th><th class=num>문장</th><th class=num>감성지수</th>"
            "<th class=num>이전</th><th class=num>변화</th><th class=num>부정 비율</th><th>부정 비율 추세</th>"
            "<th class=num>평점(0-1)</th><th class=num>NPS</th><th>주요 불만</th><th>주요 칭찬</th></tr>"
            + "".join(rows) + "</table>")


def _stage_channel(records: pd.DataFrame | pa.Table, jm: pd.DataFrame) -> str:
    """Records per stage x channel of the period (a record counts on each of its stages)."""
    if len(records) == 0:
        return ""
    if isinstance(records, pa.Table):
        # columnar: (stage, channel) of each record x stage, without a Python list per record
        stages, channel = records.column("stages"), records.column("channel")
        flat = pc.list_flatten(stages)
        parent = pc.list_parent_indices(stages)
        bare = pc.indices_nonzero(pc.equal(pc.fill_null(pc.list_value_length(stages), 0), 0))
        ex = pd.DataFrame({
            "stage": pa.concat_arrays([flat.combine_chunks().cast(pa.string()),
                                       pa.array(["unmapped"] * len(bare), type=pa.string())]).to_pandas(),
            "channel": pa.concat_arrays([channel.take(parent).combine_chunks().cast(pa.string()),
                                         channel.take(bare).combine_chunks().cast(pa.string())]).to_pandas(),
        })
    else:
        ex = records.assign(stage=records["stages"].map(lambda s: _list(s) or ["unmapped"])).explode("stage")
    counts = ex.groupby(["stage", "channel"]).size().unstack(fill_value=0)
    order = jm.sort_values("stage_order")[["stage", "stage_name"]].itertuples(index=False)
    top = max(int(counts.to_numpy().max()), 1) if counts.size else 1
    head = "".join(f"<th class=num>{_channel(c)}</th>" for c in counts.columns)
    body = []
    for stage, name in order:
        row = counts.loc[stage] if stage in counts.index else pd.Series(0, index=counts.columns)
        cells = "".join(
            f"<td class=num style='background:rgba(21,101,192,{0.08 + 0.6 * v / top:.2f})'>{v:,}</td>" if v else
            "<td class=num style='color:#bbb'>0</td>" for v in row.astype(int)
        )
        body.append(f"<tr><td>{_e(name)}</td>{cells}<td class=num><b>{int(row.sum()):,}</b></td></tr>")
    return f"<table class=heat><tr><th>단계</th>{head}<th class=num>합계</th></tr>{''.join(body)}</table>"


def _series(history: pd.DataFrame, periods: list[str]) -> dict[tuple, list[float]]:
    if history.empty:
        return {}
    piv = history.pivot_table(index=["stage", "keyword", "polarity"], columns="period", values="mentions",
                              aggfunc="sum", fill_value=0).reindex(columns=periods, fill_value=0)
    return {k: [float(v) for v in row] for k, row in zip(piv.index, piv.to_numpy(), strict=True)}


def _lift(r) -> str:
    if _isnan(r.rating_lift):
        return "–"
    return f"{r.rating_lift:+.3f}<br><span class=muted>★{r.rating_lift * 4:+.2f}/5</span>"


def _pain_table(points: pd.DataFrame, series: dict, polarity: str = "pain", limit: int = 25) -> str:
    if points.empty:
        return "<p class=muted>언급 없음 / no mentions</p>"
    sel = points[points["polarity"] == polarity].sort_values(["mentions", "keyword"], ascending=[False, True]).head(limit)
    if sel.empty:
        return "<p class=muted>없음 / none</p>"
    color = "#c62828" if polarity == "pain" else "#2e7d32"
    rows = []
    for r in sel.itertuples(index=False):
        quotes = "<br>".join(f"“{_e(q)}”" for q in _list(r.example_quotes)[:2])
        spark = sparkline(series.get((r.stage, r.keyword, r.polarity), []), color=color)
        rows.append(
            f"<tr><td class=nw>{_e(r.stage_name)}</td><td><b>{_e(r.keyword)}</b></td><td class=num>{r.mentions:,}</td>"
            f"<td class=num>{_fmt(r.previous_mentions)}</td><td>{_status(r.status, r.p_value, polarity == 'praise')}</td><td>{spark}</td>"
            f"<td class=num>{_fmt(r.mentions_per_1k, 1)}</td>"
            f"<td class=num>{_pct(r.negative_share)}</td><td class=num>{_fmt(r.avg_rating_norm, 2)}</td>"
            f"<td class=num>{_lift(r)}</td><td class=num>{_fmt(r.nps_lift, 1, True)}</td>"
            f"<td class=num>{_fmt(r.impact_records)}</td><td class=q>{quotes}</td></tr>"
        )
    return ("<table><tr><th>단계</th><th>키워드</th><th class=num>언급</th><th class=num>이전</th><th>추세</th>"
            "<th>최근 추이</th><th class=num>1천 건당</th><th class=num>부정 비율</th><th class=num>평점(0-1)</th>"
            "<th class=num>평점 개선폭</th><th class=num>NPS 개선폭</th><th class=num>평점 근거 레코드</th>"
            "<th>고객의 말 (마스킹)</th></tr>" + "".join(rows) + "</table>")


def _candidates(cands: pd.DataFrame) -> str:
    if cands.empty:
        return "<p class=muted>후보 없음 / no candidates</p>"
    reasons = {"new_key": "새 키", "unmapped": "단계 미분류"}
    rows = "".join(
        f"<tr><td><b>{_e(r.keyword)}</b></td><td>{_e(r.polarity)}</td><td>{_e(r.stage_name)}</td>"
        f"<td class=num>{r.mentions:,}</td><td>{_e(', '.join(reasons.get(x, x) for x in _list(r.reasons)))}</td>"
        f"<td class=q>{'<br>'.join(f'“{_e(q)}”' for q in _list(r.example_quotes)[:2])}</td></tr>"
        for r in cands.head(20).itertuples(index=False)
    )
    return ("<table><tr><th>키워드</th><th>극성</th><th>현재 단계</th><th class=num>언급</th><th>사유</th>"
            "<th>고객의 말</th></tr>" + rows + "</table>")


def _journeys(journeys: pd.DataFrame, names: dict[str, str], top_paths: list | None = None) -> str:
    """``journeys`` without ``path`` is fine when ``top_paths`` (the paths of the first 15 rows) is given;
    only the first 15 rows' ``customer_key`` are shown."""
    if journeys.empty:
        return "<p class=muted>여러 번 문의한 고객 없음 / no multi-contact journeys</p>"
    n = len(journeys)
    cross = int(journeys["cross_channel"].sum())
    repeat = int(journeys["repeat_contact"].sum())
    cross_rep = int((journeys["cross_channel_repeats"] > 0).sum())
    summary = (f"<p>여러 번 문의한 고객 {n:,}명 · 채널을 넘나든 여정 {cross:,} · 반복 문의가 있는 여정 {repeat:,} · "
               f"<b>채널 간 반복 문의 {cross_rep:,}</b> <span class=muted>(같은 고객·같은 단계·7일 이내)</span></p>")
    repeat_stages = journeys["repeat_stages"]
    if isinstance(repeat_stages.dtype, pd.ArrowDtype):
        flat = pc.list_flatten(pa.array(repeat_stages)).to_numpy(zero_copy_only=False)
    else:
        flat = [s for ss in repeat_stages for s in _list(ss)]
    by_stage = pd.Series(flat, dtype="object").value_counts()
    stage_line = ""
    if not by_stage.empty:
        stage_line = "<p class=q>반복 문의 단계: " + ", ".join(
            f"{_e(names.get(s, s))} {v}" for s, v in by_stage.items()) + "</p>"
    rows = []
    top = journeys.head(15)
    paths = top_paths if top_paths is not None else top["path"].tolist()
    for r, r_path in zip(top.itertuples(index=False), paths, strict=True):
        steps = _list(r_path)
        hidden = max(len(steps) - PATH_STEPS, 0)
        path = (f"<span class=muted>… 앞선 {hidden}건 → </span>" if hidden else "") + " → ".join(
            _channel(step.split(":", 1)[0]) + "<span class=q>" + _e(
                "/".join(names.get(s, s) for s in step.split(":", 1)[1].split("/"))) + "</span>"
            for step in steps[hidden:]
        )
        rows.append(
            f"<tr><td><code>{_e(str(r.customer_key)[:10])}…</code></td><td>{path}</td><td class=num>{r.records}</td>"
            f"<td class=num>{_fmt(r.span_days, 1)}일</td><td class=num>{r.repeat_contacts}</td>"
            f"<td class=num>{r.cross_channel_repeats}</td><td class=num>{r.negative_records}</td></tr>"
        )
    return (summary + stage_line + "<table><tr><th>고객(가명)</th><th>경로 (시간순)</th><th class=num>레코드</th>"
            "<th class=num>기간</th><th class=num>반복</th><th class=num>채널 간 반복</th><th class=num>부정</th></tr>"
            + "".join(rows) + "</table>")


def _volume_table(records: pd.DataFrame) -> str:
    """``records``: one row per record (period, channel), or already counted (period, channel, records)."""
    if records.empty:
        return ""
    if "records" in records.columns:
        counts = records.set_index(["period", "channel"])["records"].sort_index().unstack(fill_value=0)
    else:
        counts = records.groupby(["period", "channel"]).size().unstack(fill_value=0)
    head = "".join(f"<th class=num>{_channel(c)}</th>" for c in counts.columns)
    body = "".join(
        f"<tr><td>{_e(p)}</td>" + "".join(f"<td class=num>{v:,}</td>" for v in row)
        + f"<td class=num><b>{int(row.sum()):,}</b></td></tr>"
        for p, row in counts.iterrows()
    )
    return f"<table><tr><th>기간</th>{head}<th class=num>합계</th></tr>{body}</table>"


def _accounting(manifests: list[dict]) -> str:
    if not manifests:
        return ""
    m = manifests[-1]
    rows = "".join(
        f"<tr><td>{_e(i['path'])}</td><td class=num>{i['rows_read']:,}</td><td class=num>{i['records']:,}</td>"
        f"<td class=num>{i['quarantined']:,}</td><td>{_e(', '.join(f'{k} {v}' for k, v in i['quarantine_reasons'].items()))}"
        f"</td><td>{'✔' if i.get('balanced', True) else '✘'}</td></tr>"
        for i in m.get("inputs", [])
    )
    reasons: dict[str, int] = {}
    for i in m.get("inputs", []):
        for k, v in i.get("quarantine_reasons", {}).items():
            reasons[k] = reasons.get(k, 0) + v
    reason_rows = "".join(
        f"<tr><td><code>{_e(k)}</code></td><td>{_e(REASON_CODES.get(k, ''))}</td><td class=num>{v:,}</td></tr>"
        for k, v in sorted(reasons.items(), key=lambda kv: -kv[1])
    )
    c = m.get("counts", {})
    totals = (f"<p>읽은 행 {c.get('rows_read', 0):,} = 레코드 행 + 격리 {c.get('quarantined', 0):,} · "
              f"레코드 {c.get('records', 0):,} (채팅은 대화 1건 = 레코드 1건)</p>")
    return (f"<p class=muted>run {_e(m['run_id'])} · 기간 {_e(', '.join(m.get('periods', [])))} · model "
            f"{_e(m['model']['id'])}"
            + (f" ({_e(m['model']['sentiment_fusion'])} 감성 보정)" if m["model"].get("sentiment_fusion") else "")
            + f" · v{_e(m['package_version'])}</p>" + totals
            + ("<table><tr><th>격리 사유</th><th>설명</th><th class=num>행</th></tr>" + reason_rows + "</table><br>"
               if reason_rows else "")
            + "<table><tr><th>파일</th><th class=num>읽은 행</th><th class=num>레코드</th><th class=num>격리</th>"
              "<th>사유</th><th>일치</th></tr>" + rows + "</table>")


def render_report(dataset: OutputDataset) -> str:
    periods = dataset.periods()
    if not periods:
        raise OutputError(f"보고서를 만들 데이터가 없습니다: {dataset.root}", f"no committed periods in {dataset.root}")
    latest = periods[-1]
    prev = periods[-2] if len(periods) > 1 else None
    recent = periods[-HISTORY:]
    jm = dataset.read("journey_map", latest)
    jm_prev = dataset.read("journey_map", prev) if prev else None
    points = _arrow_lists(dataset.read_arrow("pain_points", latest))
    history = pd.concat([dataset.read("pain_points", p, ["stage", "keyword", "polarity", "mentions"]).assign(period=p)
                         for p in recent], ignore_index=True)
    # records and journeys grow with the input: read columnar and counted, never a row of objects each
    records = _channel_counts(dataset, recent)
    latest_records = dataset.read_arrow("records", latest, ["channel", "stages"], dictionary=("channel",))
    alerts = dataset.read("alerts", latest)
    cands = _arrow_lists(dataset.read_arrow("pain_point_candidates", latest))
    journeys = _arrow_lists(dataset.read_arrow("journeys", latest, _JOURNEY_SUMMARY))
    top = dataset.read_arrow("journeys", latest, ["customer_key", "path"], limit=15).to_pandas()
    journeys["customer_key"] = pd.Series(top["customer_key"], dtype="str").reindex(journeys.index)
    top_paths = top["path"].tolist()
    manifests = dataset.manifests()
    names = dict(zip(jm["stage"], jm["stage_name"], strict=True))
    series = _series(history, recent)
    prev_records = dataset.read_arrow("records", prev, ["record_id"]).num_rows if prev else None
    body = [
        f"<h1>고객 여정 VOC 보고서 · {_e(latest)}</h1>",
        f"<p class=muted>기간 {_e(', '.join(periods))} · 비교 기준 {_e(prev or '없음')} · "
        "모든 인용문은 개인정보 마스킹됨, 고객 키는 가명</p>",
        _cards(latest_records.num_rows, prev_records, alerts, journeys, jm, manifests[-1] if manifests else None),
        f"<h2>알림 / alerts ({len(alerts)})</h2>",
        _alerts(alerts),
        "<h2>여정 감성 곡선 / journey emotion curve (감성지수 = 100 × (긍정 − 부정 문장 비율))</h2>",
        emotion_curve(jm, jm_prev),
        _journey_table(jm),
        "<h2>단계 × 채널 규모 / volume per stage and channel</h2>",
        _stage_channel(latest_records, jm),
        "<h2>불만 포인트 / pain points</h2>",
        "<p class=muted>추세: 기록량 대비 언급률의 정확 이항검정(p&lt;0.05, 합계 5건 이상). 평점 개선폭: 이 불만이 있는 "
        "레코드를 빼면 평균 평점(0-1, ★=5점 환산)이 얼마나 오르는가 (remove-theme).</p>",
        _pain_table(points, series),
        "<h2>칭찬 포인트 / praise</h2>",
        _pain_table(points, series, polarity="praise", limit=10),
        "<h2>새 키 후보 / pain-point candidates</h2>",
        _candidates(cands),
        "<h2>옴니채널 여정 / omnichannel journeys</h2>",
        _journeys(journeys, names, top_paths),
        "<h2>기간 × 채널 규모 / volume by period and channel</h2>",
        _volume_table(records),
        "<h2>처리 내역 / run accounting</h2>",
        _accounting(manifests),
    ]
    return (f"<!doctype html><html lang=ko><head><meta charset=utf-8><meta name=viewport content='width=device-width'>"
            f"<title>VOC report {_e(latest)}</title><style>{_CSS}</style></head><body>{''.join(body)}</body></html>")


_JOURNEY_SUMMARY = ["records", "span_days", "cross_channel", "repeat_contacts", "cross_channel_repeats",
                    "repeat_contact", "repeat_stages", "negative_records"]


def _arrow_lists(data: pa.Table) -> pd.DataFrame:
    """A table as pandas with its list columns left in Arrow (a cell reads back as a list): the
    report shows a few rows' quotes and paths, not a Python list per row of the table."""
    return data.to_pandas(types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_list(t) else None)


def _channel_counts(dataset: OutputDataset, periods: list[str]) -> pd.DataFrame:
    """(period, channel, records) of each period, counted in Arrow."""
    rows = []
    for p in periods:
        channels = dataset.read_arrow("records", p, ["channel"], dictionary=("channel",)).column("channel")
        for item in pc.value_counts(channels.cast(pa.string())).to_pylist():
            if item["values"] is not None:
                rows.append({"period": p, "channel": item["values"], "records": item["counts"]})
    return pd.DataFrame(rows, columns=["period", "channel", "records"]).astype({"records": "int64"})


def write_report(root: str | Path) -> Path:
    dataset = OutputDataset(root)
    folder = Path(root) / "report"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "index.html"
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_report(dataset), encoding="utf-8")
    tmp.replace(path)
    return path
