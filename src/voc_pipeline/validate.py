"""`voc-pipeline validate`: config, domain, model directory, secret and inputs, without models."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from voc_pipeline.config import PipelineConfig, domain_path
from voc_pipeline.errors import VocPipelineError


@dataclass
class ValidationReport:
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(ok for _, ok, _ in self.checks)

    def add(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append((name, ok, detail))

    def render(self) -> str:
        lines = [f"{'OK ' if ok else 'ERR'} {name}: {detail}" for name, ok, detail in self.checks]
        lines.append("유효함 / valid" if self.ok else "문제 있음 / problems found")
        return "\n".join(lines)


def validate_inputs(config: PipelineConfig, inputs: list[Path] | None) -> ValidationReport:
    from voc_pipeline.models import default_model_dir
    from voc_pipeline.pipeline import plan_inputs
    from voc_pipeline.stages.ingest import read_source
    from voc_pipeline.stages.journey import load_taxonomy

    report = ValidationReport()
    report.add("config", True, f"{len(config.sources)} sources, domain {config.domain}")
    try:
        taxonomy = load_taxonomy(domain_path(config.domain, config.base_dir))
        report.add("domain", True, f"{taxonomy.domain}: {' → '.join(taxonomy.stage_ids)}")
    except VocPipelineError as err:
        report.add("domain", False, str(err))
    model_dir = config.resolve(config.model.path) if config.model.path else default_model_dir()
    has_model = (Path(model_dir) / "config.json").is_file()
    report.add("model", has_model, str(config.model.path or "embedded default") + ("" if has_model else " (config.json missing)"))
    has_secret = bool(os.environ.get(config.privacy.secret_env))
    report.add("secret", has_secret, f"${config.privacy.secret_env} " + ("set" if has_secret else "NOT set"))
    try:
        plan = plan_inputs(config, inputs)
    except VocPipelineError as err:
        report.add("inputs", False, str(err))
        return report
    from voc_pipeline.stages.ingest import display_path

    dates = config.period.pinned()   # as `run`: one date_out_of_range bound for every file
    for source, path in plan:
        shown = display_path(path, config.base_dir)
        try:
            rows = records = 0
            reasons: Counter = Counter()
            for batch in read_source(source, path, batch_rows=config.batch_rows, period=dates,
                                     fallback_period="unknown"):
                rows += batch.rows_read
                records += len(batch.records)
                reasons.update(batch.quarantine["reason_code"])
            detail = f"{source.channel}: rows {rows}, records {records}, quarantine {dict(reasons) or 0}"
            report.add(f"input {shown}", True, detail)
        except VocPipelineError as err:
            report.add(f"input {shown}", False, str(err))
    return report
