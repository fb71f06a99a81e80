"""The hostile corpus end to end (the CLI, the embedded model): every row accounted for, no
personal data in any output byte, identical tables on a re-run, a no-op --skip-unchanged, and an
unreadable input that fails loudly without touching the dataset.

Corpus: tests/data/hostile/ (scripts/make_hostile_corpus.py); the 5 MB review is generated into
the temporary copy. Reproduce: ``pytest tests/reliability/test_hostile_corpus.py``.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.e2e.cli_helpers import REPO, run_cli
from voc_pipeline.io.dataset import read_table
from voc_pipeline.schema import TABLE_SCHEMAS

CORPUS = REPO / "tests" / "data" / "hostile"
_spec = importlib.util.spec_from_file_location("make_hostile_corpus", REPO / "scripts" / "make_hostile_corpus.py")
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)

EXPECTED_ROWS = {**corpus.EXPECTED_ROWS, "reviews/w47_big.csv": 2}


def pii_strings(path: Path) -> list[str]:
    pii = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]
    # numbers also as bare digits (a masker that drops the separators but keeps the digits leaks)
    return pii + [d for d in ("".join(c for c in p if c.isdigit()) for p in pii) if len(d) >= 8]


def output_text(root: Path) -> dict[str, str]:
    """Every file under the output folder as text (parquet: every cell, via csv)."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            if path.suffix == ".parquet":
                out[str(path.relative_to(root))] = pq.read_table(path).to_pandas().to_csv(index=False)
            else:
                out[str(path.relative_to(root))] = path.read_bytes().decode("utf-8", errors="replace")
    return out


def find_leaks(root: Path, pii: list[str], extra: str = "") -> list[tuple[str, str]]:
    texts = output_text(root)
    texts["<stdout+stderr>"] = extra
    return [(p, name) for p in pii for name, text in texts.items() if p in text]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    work = tmp_path_factory.mktemp("hostile")
    shutil.copytree(CORPUS, work, dirs_exist_ok=True)
    corpus.big_review(work / "reviews" / "w47_big.csv")
    result = run_cli("run", "--config", "hostile.yaml", "--output", "out", cwd=work)
    assert result.returncode == 0, result.stderr[-3000:]
    return work, result


def _manifests(out: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((out / "runs").glob("*.json"))]


def test_every_row_accounted_for(hostile):
    work, _ = hostile
    out = work / "out"
    manifest = _manifests(out)[-1]
    records, quarantine = read_table(out, "records"), read_table(out, "quarantine")
    seen = {}
    for entry in manifest["inputs"]:
        assert entry["balanced"], entry
        in_records = int(records.loc[records["source_file"] == entry["path"], "input_rows"].sum())
        in_quarantine = int((quarantine["source_file"] == entry["path"]).sum())
        assert in_records + in_quarantine == entry["rows_read"] == EXPECTED_ROWS[entry["path"]], entry
        seen[entry["path"]] = entry
    assert set(seen) == set(EXPECTED_ROWS)
    assert manifest["counts"]["rows_read"] == sum(EXPECTED_ROWS.values())
    assert int(records["input_rows"].sum()) + len(quarantine) == sum(EXPECTED_ROWS.values())
    codes = set(quarantine["reason_code"])
    assert codes >= {"encoding", "malformed_row", "empty_text", "bad_date", "too_long", "duplicate",
                     "no_customer_turn"}
    assert (quarantine["excerpt"].str.len() <= 200).all()
    assert quarantine["reason"].str.contains(" / ").all()   # bilingual reasons


def test_specific_hostile_cases(hostile):
    work, _ = hostile
    out = work / "out"
    q = read_table(out, "quarantine")
    by_file = {f: g for f, g in q.groupby("source_file")}
    big = by_file["reviews/w47_big.csv"]
    assert big["reason_code"].tolist() == ["too_long"] and "연락처" in big["excerpt"].iloc[0]
    # Tuesday's export repeats two of Monday's tickets: quarantined, naming Monday's file
    tue = by_file["complaints/w47_tue.csv"]
    assert tue["reason_code"].tolist() == ["duplicate", "duplicate"]
    assert tue["reason"].str.contains("complaints/w47_mon.csv").all()
    records = read_table(out, "records")
    assert records["record_id"].is_unique
    assert sorted(records.loc[records["source"] == "complaints", "source_id"]) == [
        "B-1", "B-2", "C-1001", "C-1002", "C-1003", "C-1004", "C-1010", "C-1011", "C-1012",
        "Q-1", "Q-4", "Q-5", "Q-6"]
    # the BOM is not part of the first header: the id column mapped in the BOM file
    assert records.loc[records["source_file"] == "complaints/w47_bom.csv", "source_id"].notna().all()
    # xlsx: the data sheet '리뷰' below a title row, not the summary sheet
    assert sorted(records.loc[records["source"] == "reviews_xlsx", "source_id"]) == ["X-1", "X-2", "X-5"]


def test_no_personal_data_in_any_output(hostile):
    work, result = hostile
    pii = pii_strings(work / "pii.txt")
    assert len(pii) >= 15
    assert not find_leaks(work / "out", pii, result.stdout + result.stderr)


def test_rerun_identical_then_skip_unchanged_then_unreadable_input(hostile):
    work, _ = hostile
    out = work / "out"
    before = {t: read_table(out, t) for t in TABLE_SCHEMAS}
    again = run_cli("run", "--config", "hostile.yaml", "--output", "out", cwd=work)
    assert again.returncode == 0, again.stderr[-2000:]
    for table, frame in before.items():
        pd.testing.assert_frame_equal(frame, read_table(out, table), check_categorical=False, obj=table)
    assert len(_manifests(out)) == 2
    skipped = run_cli("run", "--config", "hostile.yaml", "--output", "out", "--skip-unchanged", cwd=work)
    assert skipped.returncode == 0, skipped.stderr[-2000:]
    assert len(_manifests(out)) == 2

    bad = run_cli("run", "--config", "hostile_unreadable.yaml", "--output", "out", cwd=work)
    assert bad.returncode == 1
    message = bad.stderr.strip().splitlines()[-1]
    assert "garbage.csv" in message and "E202" in message
    assert "바이너리" in message and "binary" in message       # Korean and English
    for table, frame in before.items():
        pd.testing.assert_frame_equal(frame, read_table(out, table), check_categorical=False, obj=table)
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]
