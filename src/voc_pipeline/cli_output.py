"""What the CLI prints: rich tables and a progress bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import typer


def _console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def _is_tty() -> bool:
    return sys.stdout.isatty()


@contextlib.contextmanager
def progress_reporter() -> Iterator:
    """A callback (file, rows) that advances a rich progress bar; a no-op when not on a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed} rows"),
                  TimeElapsedColumn(), transient=True) as bar:
        tasks: dict[str, int] = {}

        def advance(path: str, rows: int) -> None:
            if path not in tasks:
                tasks[path] = bar.add_task(path, total=None)
            bar.advance(tasks[path], rows)

        yield advance


def print_mapping(sources) -> None:
    typer.echo("추론한 열 매핑 / inferred column mapping:")
    for s in sources:
        cols = {k: v for k, v in s.columns.model_dump().items() if v is not None}
        typer.echo(f"  {s.name} ({s.channel}, {s.path}): {cols}")


def print_summary(summary) -> None:
    from voc_pipeline.io.dataset import OutputDataset

    if summary.skipped:
        typer.echo(f"변경 없음, 건너뜀 / unchanged inputs and config, skipped (last run {summary.run_id})")
        return
    counts = summary.manifest["counts"]
    reasons: dict[str, int] = {}
    for f in summary.files:
        for k, v in f.reasons.items():
            reasons[k] = reasons.get(k, 0) + v
    reason_text = ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) or "-"
    typer.echo(f"실행 / run {summary.run_id} → {summary.output}")
    typer.echo(
        f"입력 행 / rows read {counts['rows_read']:,} · 레코드 / records {counts['records']:,} · "
        f"격리 / quarantined {counts['quarantined']:,} ({reason_text}) · 기간 / periods {', '.join(summary.periods) or '-'}"
    )
    if engine := summary.manifest.get("engine"):
        workers = f", {engine['workers']} workers" if engine["name"] == "processes" else ""
        typer.echo(f"엔진 / engine: {engine['name']}{workers} ({engine['reason']})")
    for warning in summary.manifest.get("warnings", []):
        typer.echo(f"경고 / warning: {warning}")
    if not summary.periods:
        return
    latest = summary.periods[-1]
    dataset = OutputDataset(summary.output)
    jm = dataset.read("journey_map", latest)
    pp = dataset.read("pain_points", latest)
    title = f"{latest} 여정 단계별 주요 불만 / top pain point per stage"
    rows = []
    for r in jm.itertuples(index=False):
        pains = pp[(pp["stage"] == r.stage) & (pp["polarity"] == "pain")] if not pp.empty else pp
        top = pains.iloc[0] if len(pains) else None
        top_text = f"{top['keyword']} ({top['mentions']}, {top['status']})" if top is not None else "-"
        idx = "" if r.sentiment_index != r.sentiment_index else f"{r.sentiment_index:+.0f}"
        rows.append((r.stage, r.stage_name, str(r.records), idx, top_text))
    if _is_tty():
        from rich.table import Table

        table = Table(title=title)
        for col in ("stage", "단계", "records", "감성지수", "top pain point (mentions, trend)"):
            table.add_column(col)
        for row in rows:
            table.add_row(*row)
        _console().print(table)
    else:
        typer.echo(title)
        for stage, name, n, idx, top in rows:
            typer.echo(f"  {stage:<9} {name:<10} records={n:<5} index={idx:<5} top={top}")


def print_validation(report) -> None:
    typer.echo(report.render())
    if not report.ok:
        raise typer.Exit(1)
