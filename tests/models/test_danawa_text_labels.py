"""danawa reviews joined with the project's text labels (models.evaluate.danawa_text_frame)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from voc_pipeline.models.corpus import shared_data_dir
from voc_pipeline.models.evaluate import danawa_text_frame

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "data" / "eval" / "danawa_text_labels.tsv"


def _reviews(tmp_path: Path) -> Path:
    path = tmp_path / "reviews.parquet"
    pd.DataFrame({"id": ["0", "1", "2"], "date": ["2024-01-01"] * 3, "rating": [5, 1, 5],
                  "text": ["가볍고 그립감 좋아요", "한 달 만에 휠 고장났어요", "별 다섯 개 줘야 적립금 준대서요 클릭 씹힘 심함"],
                  "product": ["gaming mouse"] * 3}).to_parquet(path)
    return path


def _labels(tmp_path: Path, rows: list[tuple[str, str]]) -> Path:
    path = tmp_path / "labels.tsv"
    path.write_text("id\tlabel\n" + "".join(f"{i}\t{lab}\n" for i, lab in rows), encoding="utf-8")
    return path


def test_joins_text_and_rating_by_id_in_label_order(tmp_path: Path) -> None:
    d = danawa_text_frame(_reviews(tmp_path), _labels(tmp_path, [("2", "neg"), ("0", "pos"), ("1", "neg")]))
    assert d["id"].tolist() == ["2", "0", "1"]
    assert d["label"].tolist() == ["neg", "pos", "neg"]
    # the label follows the text: a 5-star review that complains stays neg
    assert d.loc[0, "rating"] == 5 and "클릭 씹힘" in d.loc[0, "text"]


@pytest.mark.parametrize(("rows", "message"), [
    ([("0", "pos"), ("7", "neg")], "not in"),
    ([("0", "positive")], "labels other than"),
    ([("0", "pos"), ("0", "neg")], "duplicated"),
])
def test_a_label_file_that_does_not_fit_the_reviews_is_refused(tmp_path: Path, rows, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        danawa_text_frame(_reviews(tmp_path), _labels(tmp_path, rows))


def test_the_shipped_label_file_is_well_formed() -> None:
    lab = pd.read_csv(LABELS, sep="\t", dtype=str, keep_default_na=False)
    assert list(lab.columns[:2]) == ["id", "label"]
    assert lab["id"].is_unique and len(lab) >= 1000
    assert set(lab["label"]) == {"neg", "neu", "pos"}
    # the annotation columns: two independent readings, and the label where they differed
    assert {"annotator_a", "annotator_b"} <= set(lab.columns)
    agree = lab["annotator_a"] == lab["annotator_b"]
    assert (lab.loc[agree, "label"] == lab.loc[agree, "annotator_a"]).all()
    assert "text" not in lab.columns          # the review text may not be copied into the project


def test_the_shipped_labels_cover_every_danawa_review() -> None:
    reviews = shared_data_dir() / "danawa" / "mouse_reviews.parquet"
    if not reviews.is_file():
        pytest.skip("../shared/data/danawa is not next to this checkout")
    d = danawa_text_frame(reviews, LABELS)
    assert len(d) == len(pd.read_parquet(reviews, columns=["id"]))
    assert d["text"].notna().all()
