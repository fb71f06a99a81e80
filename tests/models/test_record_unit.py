"""``evaluate --unit record`` scores what ``voc-pipeline run`` writes in records.sentiment.

The embedded model and real Korean text: a multi-sentence review's record label comes from its
sentences (length-weighted mean) or from one more pass over the whole record (``model.record_pass``),
and the protocol's labels and scores equal a real pipeline run on a tiny export of the same texts,
under each record pass.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from voc_pipeline.models.evaluate import (
    evaluate_file,
    paired_bootstrap,
    record_pass_config,
    record_unit_probabilities,
    unit_probabilities,
)
from voc_pipeline.schema import SENTIMENT_LABELS

REVIEWS = [
    ("배송은 빨랐어요. 근데 사이즈가 너무 작아서 교환 신청했는데 일주일째 답이 없네요. 정말 실망입니다.", "neg"),
    ("처음엔 색이 좀 어둡다고 생각했어요. 며칠 입어보니 너무 편하고 예뻐요. 다른 색도 살게요.", "pos"),
    ("안녕하세요. 주문한 상품 배송 언제 출발하나요? 주문번호는 메일로 보냈습니다.", "neu"),
    ("포장이 엉망이라 컵이 깨져서 왔어요. 고객센터는 전화를 안 받아요.", "neg"),
    ("가격 대비 품질이 좋아요. 배송도 하루 만에 왔어요. 재구매 의사 있습니다.", "pos"),
    ("ㅋㅋㅋ", "neu"),
]


@pytest.fixture(scope="module")
def tagger():
    from voc_pipeline.config import ModelConfig
    from voc_pipeline.models.tagger import load_tagger

    t = load_tagger(None, threads=1)
    t.use_fusion(ModelConfig().sentiment_fusion)      # the oracles below predict as `run` does
    return t


def test_a_record_is_the_length_weighted_mean_of_its_kiwi_sentences(tagger) -> None:
    """Independent oracle: split with Kiwi, predict each sentence alone, weigh by morpheme count."""
    from voc_pipeline.stages.tokenize import KiwiTokenizer

    text = REVIEWS[0][0]
    probs = record_unit_probabilities(tagger, [text], record_pass_config("mean"))[0][0]
    sents = [s for s in KiwiTokenizer(num_workers=1).sentences([text])[0] if s.tokens]
    assert len(sents) == 3
    morphs = [[(t.form, t.tag) for t in s.tokens] for s in sents]
    per_sentence = tagger.predict(morphs).sentiment
    weights = np.array([len(m) for m in morphs], dtype=float)
    assert np.allclose(probs, (per_sentence * weights[:, None]).sum(0) / weights.sum(), atol=1e-6)
    # the whole text as one sequence is a different input: the two units must not coincide
    whole = unit_probabilities(tagger, [text], "text")[0][0]
    assert not np.allclose(probs, whole, atol=1e-4)
    assert abs(probs.sum() - 1) < 1e-6


def test_a_record_without_sentences_is_neutral(tagger) -> None:
    probs = record_unit_probabilities(tagger, ["", "배송이 늦어요. 화나요."])[0]
    assert probs[0].tolist() == [0.0, 1.0, 0.0]
    assert not np.isnan(probs).any()


def test_the_whole_record_pass_is_the_record_as_one_sequence(tagger) -> None:
    """``record_pass: whole``: a multi-sentence review inside the window is scored as the
    concatenation of its Kiwi sentences' morphemes (independent oracle: Kiwi + predict)."""
    from voc_pipeline.stages.tokenize import KiwiTokenizer

    text = REVIEWS[0][0]
    probs = record_unit_probabilities(tagger, [text], record_pass_config("whole"))[0][0]
    sents = [s for s in KiwiTokenizer(num_workers=1).sentences([text])[0] if s.tokens]
    morphs = [(t.form, t.tag) for s in sents for t in s.tokens]
    assert len(sents) == 3 and len(morphs) <= 64
    assert np.allclose(probs, tagger.predict([morphs]).sentiment[0], atol=1e-6)
    mean = record_unit_probabilities(tagger, [text], record_pass_config("mean"))[0][0]
    blend = record_unit_probabilities(tagger, [text], record_pass_config("blend"))[0][0]
    assert np.allclose(blend, (probs + mean) / 2, atol=1e-6)


@pytest.mark.parametrize(("record_pass", "fusion"), [("mean", "voc"), ("whole", "voc"), ("whole", "general")])
def test_record_unit_equals_what_run_writes_in_records(tagger, tmp_path, monkeypatch, record_pass, fusion) -> None:
    from voc_pipeline.config import load_config
    from voc_pipeline.io.dataset import read_table
    from voc_pipeline.pipeline import run_pipeline

    monkeypatch.setenv("VOC_PIPELINE_SECRET", "test-secret")
    export = tmp_path / "reviews.csv"
    pd.DataFrame({"리뷰ID": [f"R{i}" for i in range(len(REVIEWS))], "리뷰내용": [t for t, _ in REVIEWS],
                  "작성일": ["2026-11-16 10:00"] * len(REVIEWS)}).to_csv(export, index=False, encoding="utf-8")
    cfg = tmp_path / "config.yaml"
    cfg.write_text(json.dumps({"sources": [{"name": "reviews", "channel": "review", "path": str(export),
                                            "columns": {"id": "리뷰ID", "text": "리뷰내용", "created_at": "작성일"}}],
                               "model": {"record_pass": record_pass, "sentiment_fusion": fusion},
                               "output": str(tmp_path / "out")}, ensure_ascii=False), encoding="utf-8")
    result = run_pipeline(load_config(cfg), workers=1)
    assert result.manifest["model"]["sentiment_fusion"] == fusion
    records = read_table(tmp_path / "out", "records").set_index("source_id").loc[[f"R{i}" for i in range(len(REVIEWS))]]
    probs = record_unit_probabilities(tagger, [t for t, _ in REVIEWS], record_pass_config(record_pass, fusion))[0]
    assert records["sentiment"].tolist() == [SENTIMENT_LABELS[i] for i in probs.argmax(1)]
    assert np.allclose(records["sentiment_score"].to_numpy(dtype=float), probs[:, 2] - probs[:, 0], atol=1e-4)


def test_evaluate_file_record_unit_keeps_the_fields(tmp_path) -> None:
    data = tmp_path / "reviews.jsonl"
    data.write_text("".join(json.dumps({"text": t, "label": lab}, ensure_ascii=False) + "\n" for t, lab in REVIEWS),
                    encoding="utf-8")
    by_text = evaluate_file(None, str(data), log=lambda m: None)
    by_record = evaluate_file(None, str(data), unit="record", log=lambda m: None)
    assert by_text["unit"] == "text" and by_record["unit"] == "record"
    assert set(by_text) == set(by_record)
    assert by_record["n"] == len(REVIEWS) and sum(map(sum, by_record["confusion"])) == len(REVIEWS)
    assert 0 <= by_record["macro_f1"] <= 1 and by_record["labels"] == ["neg", "neu", "pos"]
    with pytest.raises(ValueError, match="unit"):
        evaluate_file(None, str(data), unit="sentence", log=lambda m: None)


def test_paired_bootstrap_sees_a_better_model_and_no_difference_between_equals() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 300)
    perfect = np.eye(3)[y] * 0.9 + 0.1 / 3
    noisy = rng.dirichlet(np.ones(3), 300)
    better = paired_bootstrap(y, noisy, perfect, [0, 1, 2], resamples=300)
    assert better["macro_f1_delta"] > 0.3 and better["macro_f1_delta_95"][0] > 0
    same = paired_bootstrap(y, noisy, noisy, [0, 1, 2], resamples=50)
    assert same["macro_f1_delta"] == 0 and same["macro_f1_delta_95"] == [0.0, 0.0]
    binary = paired_bootstrap(y[y != 1], noisy[y != 1], perfect[y != 1], [0, 2], resamples=50)
    assert binary["n"] == int((y != 1).sum()) and binary["macro_f1_delta"] > 0


def test_cli_rejects_an_unknown_unit(tmp_path) -> None:
    from typer.testing import CliRunner

    from voc_pipeline.cli import app

    data = tmp_path / "r.jsonl"
    data.write_text(json.dumps({"text": "좋아요", "label": "pos"}) + "\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["evaluate", "--data", str(data), "--unit", "sentence"])
    assert res.exit_code != 0
    res = CliRunner().invoke(app, ["evaluate", "--data", str(data), "--unit", "record", "--record-pass", "max"])
    assert res.exit_code != 0 and "record-pass" in res.output
    res = CliRunner().invoke(app, ["evaluate", "--data", str(data), "--unit", "record", "--record-pass", "whole"])
    assert res.exit_code == 0 and "record_pass=whole" in res.output


def test_cli_evaluates_under_either_sentiment_fusion(tmp_path) -> None:
    from typer.testing import CliRunner

    from voc_pipeline.cli import app

    data = tmp_path / "r.jsonl"
    rows = [("배송이 너무 늦어서 화가 났어요.", "neg"), ("가격 대비 품질이 아주 좋아요 재구매 의사 있습니다", "pos"),
            ("주문한 상품 언제 출고되나요?", "neu")]
    data.write_text("".join(json.dumps({"text": t, "label": lab}, ensure_ascii=False) + "\n" for t, lab in rows),
                    encoding="utf-8")
    out = {}
    for fusion in (None, "general"):
        args = ["evaluate", "--data", str(data), "--json"] + (["--fusion", fusion] if fusion else [])
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0, res.output
        out[fusion] = json.loads(res.output.strip().splitlines()[-1])
    assert out[None]["sentiment_fusion"] == "voc"          # the config default, what `run` uses
    assert out["general"]["sentiment_fusion"] == "general"
    res = CliRunner().invoke(app, ["evaluate", "--data", str(data), "--fusion", "movies"])
    assert res.exit_code != 0 and "--fusion" in res.output


def test_the_shipped_figures_hold_both_units() -> None:
    """benchmarks/model_eval.py (it needs ../shared/data, so it is not run here) wrote both units for
    every review set into the embedded model's eval_results.json and card, on the same rows."""
    model_dir = Path(__file__).resolve().parents[2] / "src" / "voc_pipeline" / "resources" / "model"
    figures = json.loads((model_dir / "eval_results.json").read_text(encoding="utf-8"))
    card = (model_dir / "README.md").read_text(encoding="utf-8")
    for key in ("commerce_reviews", "commerce_reviews_binary", "danawa_binary", "danawa_3class"):
        text, record = figures[key], figures[f"{key}_record"]
        assert text["n"] == record["n"] > 0
        assert 0 < record["macro_f1"] <= 1
        assert f"{record['macro_f1']:.4f}" in card


# ----------------------------------------------------------------------------- record temperature
def test_record_temperature_in_config_json_is_validated() -> None:
    from types import SimpleNamespace

    from voc_pipeline.errors import ModelError
    from voc_pipeline.models.tagger import record_temperatures

    assert record_temperatures(SimpleNamespace()) == {}
    assert record_temperatures(SimpleNamespace(record_temperature={"mean": 0.62})) == {"mean": 0.62}
    for bad in (0.62, {"max": 0.6}, {"mean": 0}, {"mean": -1.0}, {"mean": "x"}, {"mean": float("nan")}):
        with pytest.raises(ModelError, match="record_temperature"):
            record_temperatures(SimpleNamespace(record_temperature=bad))


def test_record_temperature_script_writes_the_fit_and_the_record_unit_applies_it(tagger, tmp_path, capsys) -> None:
    """scripts/record_temperature.py --write: the fitted T lands in config.json, ``load_tagger`` reads
    it, the record unit (what ``run`` writes) applies it under mean only; a second fit on the written
    directory starts from the untempered probabilities, so it writes the same T."""
    import shutil

    from tests.data.script_loading import load_script

    from voc_pipeline.models.tagger import default_model_dir, load_tagger
    from voc_pipeline.stages.tag import temper

    repo = Path(__file__).resolve().parents[2]
    script = load_script("record_temperature_script", repo / "scripts" / "record_temperature.py")
    model_dir = tmp_path / "model"
    shutil.copytree(default_model_dir(), model_dir)
    (model_dir / "config.json").write_text(                         # as shipped before any --write
        json.dumps({k: v for k, v in json.loads((model_dir / "config.json").read_text(encoding="utf-8")).items()
                    if k != "record_temperature"}), encoding="utf-8")
    fit = tmp_path / "fit.jsonl"
    fit.write_text("".join(json.dumps({"text": t, "label": lab}, ensure_ascii=False) + "\n" for t, lab in REVIEWS),
                   encoding="utf-8")
    texts, y = [t for t, _ in REVIEWS], np.array([SENTIMENT_LABELS.index(lab) for _, lab in REVIEWS])
    plain = load_tagger(str(model_dir), threads=1)
    assert plain.record_temperatures == {}
    untempered = record_unit_probabilities(plain, texts, record_pass_config("mean"))[0]
    expected = script.fit_temperature(untempered, y)
    assert expected != 1.0
    argv = ["--model", str(model_dir), "--write", "mean", "--fit-only", "--fit-data", str(fit)]
    assert script.main(argv) == 0
    conf = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    assert conf["record_temperature"] == {"mean": expected}
    assert conf["calibration_temperature"] == json.loads(
        (default_model_dir() / "config.json").read_text(encoding="utf-8"))["calibration_temperature"]
    assert script.main(argv) == 0                                    # idempotent: fitted without the stored T
    assert json.loads((model_dir / "config.json").read_text(encoding="utf-8"))["record_temperature"] == {"mean": expected}
    assert "wrote record_temperature[mean]" in capsys.readouterr().out

    tempered = load_tagger(str(model_dir), threads=1)
    assert tempered.record_temperatures == {"mean": expected}
    got = record_unit_probabilities(tempered, texts, record_pass_config("mean"))[0]
    assert np.allclose(got, temper(untempered, expected), atol=1e-9)
    assert np.array_equal(got.argmax(1), untempered.argmax(1))
    assert not np.allclose(got, untempered, atol=1e-3)
    whole = (record_unit_probabilities(tempered, texts, record_pass_config("whole"))[0],
             record_unit_probabilities(plain, texts, record_pass_config("whole"))[0])
    assert np.array_equal(*whole)
