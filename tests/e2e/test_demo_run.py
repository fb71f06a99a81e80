"""End to end: `voc-pipeline run` on the sample exports; every table, the accounting, hand-checked
records, re-run idempotence and that no personal data of the sample reaches any output byte."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from tests.e2e.cli_helpers import REPO, run_cli
from voc_pipeline.config import default_valid_until
from voc_pipeline.io.dataset import read_table
from voc_pipeline.schema import TABLE_SCHEMAS

SAMPLE = REPO / "data" / "sample"
EXPECTATIONS = REPO / "tests" / "data" / "sample_expectations.yaml"
PII = REPO / "tests" / "data" / "sample_pii.txt"


def _count_input_rows(path: Path) -> int:
    """Rows in an export, counted independently of the pipeline's readers."""
    if path.suffix == ".jsonl":
        return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    if path.suffix == ".xlsx":
        import openpyxl

        ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        rows = [r for r in ws.iter_rows(values_only=True) if any(c not in (None, "") for c in r)]
        header = next(i for i, r in enumerate(rows) if sum(c not in (None, "") for c in r) >= 3)
        return len(rows) - header - 1
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "cp949"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    import csv
    import io

    return sum(1 for _ in csv.reader(io.StringIO(text))) - 1


#: tables with rows in every period of the sample; the others (alerts, candidates, journeys) may be
#: empty in a quiet week and then have no partition
ALWAYS_WRITTEN = ("records", "sentences", "mentions", "quarantine", "pain_points", "journey_map")
SAMPLE_PERIODS = ["period=2026-W44", "period=2026-W45", "period=2026-W46", "period=2026-W47"]


def test_every_table_written_with_its_schema(demo_run):
    for table, schema in TABLE_SCHEMAS.items():
        folder = demo_run.output / table
        if table in ALWAYS_WRITTEN:
            assert sorted(p.name for p in folder.iterdir()) == SAMPLE_PERIODS, table
        for part in folder.glob("period=*/*.parquet"):
            assert pq.read_schema(part).names == schema.names, part
    assert (demo_run.output / "report" / "index.html").is_file()
    assert len(list((demo_run.output / "runs").glob("*.json"))) == 1


def test_rows_accounted_for_per_file(demo_run):
    manifest = json.loads(next((demo_run.output / "runs").glob("*.json")).read_text(encoding="utf-8"))
    records = read_table(demo_run.output, "records")
    quarantine = read_table(demo_run.output, "quarantine")
    inputs = sorted(p for p in SAMPLE.rglob("*") if p.suffix in {".csv", ".xlsx", ".jsonl"})
    assert len(manifest["inputs"]) == len(inputs) >= 16
    for entry in manifest["inputs"]:
        path = REPO / entry["path"]
        expected = _count_input_rows(path)
        in_records = int(records.loc[records["source_file"] == entry["path"], "input_rows"].sum())
        in_quarantine = int((quarantine["source_file"] == entry["path"]).sum())
        assert entry["rows_read"] == expected, entry["path"]
        assert in_records + in_quarantine == expected, entry["path"]
    assert manifest["counts"]["quarantined"] == len(quarantine) > 0
    assert set(quarantine["reason_code"]) >= {"empty_text", "bad_date"}


def test_the_engine_is_recorded_and_printed(demo_run, tmp_path):
    manifest = json.loads(next((demo_run.output / "runs").glob("*.json")).read_text(encoding="utf-8"))
    assert manifest["engine"]["name"] == "local"   # the default, in-process (design.md)
    # policy date_out_of_range: the bounds the run applied, its default upper one pinned at the start
    tomorrow = default_valid_until("Asia/Seoul")
    assert manifest["valid_dates"]["from"] == "2000-01-01"
    assert manifest["valid_dates"]["until"] in {str(tomorrow), str(tomorrow - timedelta(days=1))}
    assert "engine: local" in demo_run.stdout
    # auto on the 0.2 MiB sample: worker processes would not pay for their start-up
    result = run_cli("run", "--config", "configs/default.yaml", "--output", str(tmp_path / "o"),
                     "--period", "2026-W47", "--input", "data/sample/2026-W47/complaints.csv", "--engine", "auto")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "engine: local (input" in result.stdout and "would not pay" in result.stdout


def test_record_ids_unique_and_chats_keep_only_customer_voice(demo_run):
    records = read_table(demo_run.output, "records")
    assert records["record_id"].is_unique
    chats = records[records["channel"] == "chat"]
    assert len(chats) > 0 and (chats["input_rows"] > 1).all()
    assert not chats["text"].str.contains("상담사입니다|도와드리겠습니다|감사합니다 고객님", regex=True).any()


def _any_of(expected: list) -> list[set[str]]:
    """Expectation entries: a string, or an inner list meaning 'any one of these'."""
    return [set(e) if isinstance(e, list) else {e} for e in expected]


def test_hand_checked_records(demo_run):
    cases = yaml.safe_load(EXPECTATIONS.read_text(encoding="utf-8"))["records"]
    assert len(cases) >= 10
    records = read_table(demo_run.output, "records")
    mentions = read_table(demo_run.output, "mentions")
    agree = {"sentiment": 0, "stages": 0, "pain": 0, "praise": 0}
    for case in cases:
        row = records[(records["source_file"] == case["file"]) & (records["source_id"] == str(case["source_id"]))]
        assert len(row) == 1, case
        row = row.iloc[0]
        ms = mentions[mentions["record_id"] == row["record_id"]]
        for m in ms.itertuples():
            assert 0 <= m.start < m.end <= len(row["text"]), "mention offsets must fall inside the masked text"
        agree["sentiment"] += row["sentiment"] == case["sentiment"]
        agree["stages"] += set(case.get("stages") or []) <= set(row["stages"])
        for polarity in ("pain", "praise"):
            aspects = set(ms.loc[ms["polarity"] == polarity, "keyword"].str.split("+").str[0])
            agree[polarity] += all(options & aspects for options in _any_of(case.get(polarity) or []))
    # The model is scored in its own evaluation (docs/model.md); here the whole pipeline must get
    # most clear, hand-checked cases right.
    n = len(cases)
    assert agree["sentiment"] >= 0.75 * n, agree
    assert agree["stages"] >= 0.75 * n, agree
    assert agree["pain"] + agree["praise"] >= 0.6 * 2 * n, agree


def _output_strings(root: Path) -> list[str]:
    texts = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".parquet":
            frame = pq.read_table(path).to_pandas()
            texts.append(frame.to_csv(index=False))
        else:
            texts.append(path.read_bytes().decode("utf-8", errors="replace"))
    return texts


def test_no_personal_data_in_any_output(demo_run):
    pii = [line.strip() for line in PII.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    assert len(pii) >= 20
    haystack = "\n".join([*_output_strings(demo_run.output), demo_run.stdout, demo_run.stderr])
    leaked = [p for p in pii if p in haystack]
    assert not leaked


def test_rerun_of_a_period_is_identical_and_leaves_other_periods(demo_run, tmp_path):
    out = tmp_path / "out"
    first = run_cli("run", "--config", "configs/default.yaml", "--output", str(out))
    assert first.returncode == 0, first.stderr[-2000:]
    before = {t: read_table(out, t) for t in ("records", "mentions", "pain_points")}
    again = run_cli("run", "--config", "configs/default.yaml", "--input", "data/sample/2026-W47", "--output", str(out))
    assert again.returncode == 0, again.stderr[-2000:]
    for table, frame in before.items():
        after = read_table(out, table)
        key = [c for c in ("record_id", "sentence_index", "stage", "keyword", "polarity", "start") if c in after]
        pd.testing.assert_frame_equal(
            frame.sort_values(key).reset_index(drop=True), after.sort_values(key).reset_index(drop=True),
            check_categorical=False,
        )
    assert len(list((out / "runs").glob("*.json"))) == 2
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]


def test_run_without_config_infers_the_mapping(tmp_path):
    out = tmp_path / "out"
    result = run_cli("run", "--input", "data/sample/2026-W47", "--output", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "추론한 열 매핑" in result.stdout
    records = read_table(out, "records")
    assert set(records["channel"]) >= {"complaint", "review", "chat"}
    assert records["source_id"].notna().mean() > 0.9


def test_missing_secret_is_a_clear_usage_error(tmp_path):
    result = run_cli("run", "--config", "configs/default.yaml", "--output", str(tmp_path / "o"), secret=False)
    assert result.returncode == 2
    assert "VOC_PIPELINE_SECRET" in result.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["run", "--config", "nope.yaml"], 2, "nope.yaml"),
        (["run", "--input", "data/sample/does-not-exist"], 1, "does-not-exist"),
        (["run", "--config", "configs/default.yaml", "--engine", "spark"], 2, "spark"),
    ],
)
def test_bad_usage_exit_codes(args, code, needle):
    result = run_cli(*args)
    assert result.returncode == code, result.stderr
    assert needle in result.stderr and len(result.stderr.strip().splitlines()) <= 2
