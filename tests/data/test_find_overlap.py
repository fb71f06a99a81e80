"""data/dev/find_overlap.py reports the source lines a new dev set must drop, under the tests' own rules."""

from __future__ import annotations

from pathlib import Path

from tests.data.script_loading import load_script

ROOT = Path(__file__).resolve().parents[2]
finder = load_script("find_overlap", ROOT / "data" / "dev" / "find_overlap.py")


def test_reports_equal_texts_shared_sentences_and_copies(tmp_path) -> None:
    held = ["배송이 너무 늦어요", "고객 부재로 통화 불가. 문자 남김."]
    src = tmp_path / "r7_a.txt"
    src.write_text("\n".join([
        "// comment lines are skipped",
        "N|1|배송이 너무 늦어요!!",                        # equal to a held text once spacing/punctuation go
        "U|-|고객 부재로 통화 불가. 재통화 예정.",            # its first sentence (10 chars with the period) is held
        "P|5|포장이 꼼꼼하고 색도 사진이랑 똑같아요",
        "P|4|포장이 꼼꼼하고 색도 사진이랑 똑같아요.",        # a copy of the line above
        "U|3|좋아요",                                      # short and new: kept
    ]) + "\n", encoding="utf-8")
    found = finder.report([src], held)
    assert [f.split(":")[1] for f in found] == ["2", "3", "5"]
    assert "held text or sentence" in found[0] and "held text or sentence" in found[1]
    assert "the same text as r7_a.txt:4" in found[2]


def test_the_committed_dev_sets_pass_it() -> None:
    """dev6's sources, as committed, report nothing against everything else the project holds."""
    dev6 = ROOT / "data" / "dev" / "commerce_reviews_dev6.jsonl"
    sources = sorted((ROOT / "data" / "dev" / "source_reviews6").glob("*.txt"))
    assert sources
    assert finder.report(sources, finder.held_texts({dev6.resolve()})) == []
