"""The other commands as a user runs them: validate, init (then run on its config), report, help."""

from __future__ import annotations

import re

import yaml

from tests.e2e.cli_helpers import REPO, run_cli
from voc_pipeline.config import load_config


def test_validate_checks_everything_without_models():
    result = run_cli("validate", "--config", "configs/default.yaml")
    assert result.returncode == 0, result.stderr
    assert "유효함 / valid" in result.stdout
    assert "input data/sample/2026-W47/complaints.csv" in result.stdout
    assert re.search(r"OK\s+secret", result.stdout)


def test_validate_reports_a_missing_secret_as_a_problem():
    result = run_cli("validate", "--config", "configs/default.yaml", secret=False)
    assert result.returncode == 1
    assert "VOC_PIPELINE_SECRET NOT set" in result.stdout


def test_bad_config_names_the_key_and_allowed_values(tmp_path):
    bad = yaml.safe_load((REPO / "configs" / "default.yaml").read_text(encoding="utf-8"))
    bad["sources"][0]["channel"] = "phone"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    result = run_cli("validate", "--config", str(path))
    assert result.returncode == 2
    assert "sources.0.channel" in result.stderr and "complaint" in result.stderr


def test_init_writes_a_config_that_loads_and_maps_the_sample(tmp_path):
    out = tmp_path / "inferred.yaml"
    result = run_cli("init", "data/sample/2026-W47", "--out", str(out))
    assert result.returncode == 0, result.stderr
    config = load_config(out)
    by_name = {s.name: s for s in config.sources}
    assert by_name["complaints"].columns.text == "문의내용"
    assert by_name["complaints"].columns.id == "접수번호"
    assert by_name["reviews"].columns.rating == "별점"
    assert by_name["chats"].channel == "chat" and by_name["chats"].columns.speaker == "speaker"
    assert run_cli("init", "data/sample/2026-W47", "--out", str(out)).returncode == 2  # no silent overwrite


def test_report_rebuilds_from_the_tables(demo_run):
    index = demo_run.output / "report" / "index.html"
    index.unlink()
    result = run_cli("report", "--output", str(demo_run.output))
    assert result.returncode == 0, result.stderr
    html = index.read_text(encoding="utf-8")
    assert "2026-W47" in html and "<svg" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_every_command_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    result = run_cli("--help")
    commands = re.findall(r"│ (\w[\w-]*)\s{2,}", result.stdout)
    assert {"run", "validate", "init", "train", "evaluate", "report"} <= set(commands)
    for command in commands:
        assert f"voc-pipeline {command}" in readme, command


def test_an_export_with_a_header_only_is_an_empty_run_not_an_error(tmp_path):
    """A holiday week's export can be empty: the nightly run succeeds, says so, and commits a manifest
    with zero rows (no report: there is no period to show)."""
    import json

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "reviews.csv").write_text("리뷰ID,리뷰내용,작성일\n", encoding="utf-8")
    run = run_cli("run", "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr
    [manifest] = [json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "out" / "runs").glob("*.json")]
    assert manifest["counts"]["rows_read"] == 0 and manifest["periods"] == []
    assert any("no rows" in w for w in manifest["warnings"])
    assert "the inputs hold no rows" in run.stdout
    assert not (tmp_path / "out" / "report" / "index.html").exists()
