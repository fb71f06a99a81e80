"""Command line: thin typer commands over plain functions (pipeline.run_pipeline, ...).

Exit codes: 0 ok (quarantined rows are not a failure), 1 failed run (unreadable input, model,
output, accounting), 2 bad usage or configuration.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from voc_pipeline.errors import UsageError, VocPipelineError

app = typer.Typer(
    name="voc-pipeline",
    help="한국어 VOC 내보내기 → 고객 여정 표 / Korean VOC exports to customer-journey tables.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="설정 YAML / config YAML")]
InputOpt = Annotated[
    list[Path] | None, typer.Option("--input", "-i", help="입력 폴더·파일 (여러 번) / input dir or file (repeatable)")
]


def _fail(err: VocPipelineError) -> typer.Exit:
    typer.echo(f"오류/error {err}", err=True)
    return typer.Exit(err.exit_code)


def _load(config: Path | None):
    from voc_pipeline.config import PipelineConfig, load_config

    return load_config(config) if config else PipelineConfig()


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(help="더 많은 입력 (셸 glob: --input exports/2026-W4*) / more inputs, e.g. a shell-expanded glob"),
]


def _sources_of(plan) -> list:
    """The distinct sources of a plan, by name (SourceConfig holds lists, so it is not hashable)."""
    return list({s.name: s for s, _ in plan}.values())


@app.command()
def run(
    paths: PathsArg = None,
    config: ConfigOpt = None,
    input: InputOpt = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="출력 폴더 / output dataset dir")] = None,
    period: Annotated[
        str | None, typer.Option(help="모든 레코드의 기간 (예: 2026-W47) / period for every record, e.g. 2026-W47")
    ] = None,
    engine: Annotated[str, typer.Option(
        help="local | processes | ray | auto (auto: 큰 입력이면 작업 프로세스 / worker processes for large "
             "inputs on several cores, else local; docs/scale.md)")] = "local",
    workers: Annotated[int | None, typer.Option(
        help="local: Kiwi 스레드 수 / tokenizer threads; processes: 작업 프로세스 수 / worker processes "
             "(default: all cores)")] = None,
    skip_unchanged: Annotated[
        bool, typer.Option(help="입력·설정이 지난 실행과 같으면 건너뜀 / no-op when inputs and config are unchanged")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """VOC 내보내기를 분석해 여정 표를 씁니다 / run the pipeline on exports and write the tables."""
    from voc_pipeline.cli_output import print_mapping, print_summary, progress_reporter

    _setup_logging(verbose)
    input = [*(input or []), *(paths or [])] or None
    try:
        if engine not in {"auto", "local", "processes", "ray"}:
            raise UsageError(f"알 수 없는 엔진 '--engine {engine}' (가능: auto, local, processes, ray)",
                             f"unknown engine '--engine {engine}' (allowed: auto, local, processes, ray)")
        cfg = _load(config)
        if not cfg.sources and not input:
            raise UsageError("--config 또는 --input 이 필요합니다", "give --config or --input")
        if not cfg.sources:
            from voc_pipeline.pipeline import plan_inputs

            print_mapping(sorted(_sources_of(plan_inputs(cfg, input)), key=lambda s: s.name))
        from voc_pipeline.pipeline import run_pipeline

        with progress_reporter() as progress:
            summary = run_pipeline(cfg, inputs=input, output=output, period=period, workers=workers,
                                   skip_unchanged=skip_unchanged, progress=progress, engine=engine)
    except VocPipelineError as err:
        raise _fail(err) from None
    print_summary(summary)


@app.command()
def validate(paths: PathsArg = None, config: ConfigOpt = None, input: InputOpt = None) -> None:
    """설정과 입력을 모델 없이 점검합니다 / check config and inputs without running models."""
    from voc_pipeline.cli_output import print_validation
    from voc_pipeline.validate import validate_inputs

    input = [*(input or []), *(paths or [])] or None
    try:
        report = validate_inputs(_load(config), input)
    except VocPipelineError as err:
        raise _fail(err) from None
    print_validation(report)


@app.command()
def init(
    paths: PathsArg = None,
    input: InputOpt = None,
    out: Annotated[Path, typer.Option("--out", help="쓸 설정 파일 / config file to write")] = Path("voc-pipeline.yaml"),
    force: Annotated[bool, typer.Option(help="기존 파일 덮어쓰기 / overwrite")] = False,
) -> None:
    """입력에서 열 매핑을 추론해 설정 파일로 씁니다 / infer the column mapping and write it as a config."""
    from voc_pipeline.config import PipelineConfig
    from voc_pipeline.io.mapping import sources_to_yaml
    from voc_pipeline.pipeline import plan_inputs

    input = [*(input or []), *(paths or [])] or None
    try:
        if not input:
            raise UsageError("--input 이 필요합니다", "give --input")
        if out.exists() and not force:
            raise UsageError(f"이미 있는 파일입니다 (--force): {out}", f"file exists (use --force): {out}")
        sources = sorted(_sources_of(plan_inputs(PipelineConfig(), input)), key=lambda s: s.name)
        out.write_text(sources_to_yaml(sources), encoding="utf-8")
    except VocPipelineError as err:
        raise _fail(err) from None
    typer.echo(f"설정을 썼습니다 / wrote {out} ({len(sources)} sources)")


@app.command()
def report(
    output: Annotated[Path, typer.Option("--output", "-o", help="출력 폴더 / dataset dir")] = Path("out"),
) -> None:
    """표에서 HTML 보고서를 다시 만듭니다 / rebuild the HTML report from the tables."""
    from voc_pipeline.report.html import write_report

    try:
        path = write_report(output)
    except VocPipelineError as err:
        raise _fail(err) from None
    typer.echo(f"보고서 / report: {path}")


def _register_model_commands() -> None:
    try:
        from voc_pipeline.cli_model import evaluate, pretrain, train
    except ImportError:  # pragma: no cover - the model package is part of every install
        return
    app.command()(train)
    app.command()(pretrain)
    app.command()(evaluate)


_register_model_commands()
