"""`train --init` from a trained model directory (a further fine-tune) and `--oversample`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import typer
from typer.testing import CliRunner


def _cfg(tiny_files, out: Path, **kw):
    from voc_pipeline.models.train import TrainConfig

    base = dict(data=[str(tiny_files["train"])], out=str(out), preset="tiny", synthetic=0, max_steps=2,
                batch_size=16, threads=1, checkpoint_every=100, vocab_size=800, split_salt="test")
    return TrainConfig(**{**base, **kw})


def test_init_from_a_trained_directory_keeps_every_weight(tiny_model, tiny_files, tmp_path):
    from voc_pipeline.models.modeling import VocTaggerModel
    from voc_pipeline.models.train import _init_summary, build_model, is_trained_dir

    assert is_trained_dir(tiny_model)
    cfg = _cfg(tiny_files, tmp_path / "next", init=str(tiny_model), model_id="tiny-next")
    model, tok = build_model(cfg, None, log=lambda m: None)
    saved = VocTaggerModel.from_pretrained(str(tiny_model)).float().state_dict()
    got = model.state_dict()
    assert set(got) == set(saved)
    for name, value in saved.items():   # the heads too: a further fine-tune, not fresh heads
        assert got[name].dtype == torch.float32, name
        assert torch.equal(got[name], value), name
    assert model.config.model_id == "tiny-next"
    assert model.config.calibration_temperature == 1.0
    assert len(tok) == len(json.loads((tiny_model / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"])
    summary = _init_summary(str(tiny_model))
    assert summary["kind"] == "trained" and summary["steps"] == 6


def test_init_from_a_trained_directory_refuses_other_input_lengths(tiny_model, tiny_files, tmp_path):
    from voc_pipeline.models.train import build_model

    cfg = _cfg(tiny_files, tmp_path / "next", init=str(tiny_model), max_subwords=48)
    with pytest.raises(ValueError, match="max_subwords"):
        build_model(cfg, None, log=lambda m: None)


def test_init_refuses_a_directory_that_is_neither(tiny_files, tmp_path):
    from voc_pipeline.models.train import build_model

    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="neither"):
        build_model(_cfg(tiny_files, tmp_path / "x", init=str(tmp_path / "empty")), None, log=lambda m: None)


def test_oversample_repeats_train_rows_only(tiny_files, tmp_path):
    from voc_pipeline.models.train import prepare

    once = prepare(_cfg(tiny_files, tmp_path / "a", cache_dir=str(tmp_path / "c")), log=lambda m: None)
    thrice = prepare(_cfg(tiny_files, tmp_path / "b", cache_dir=str(tmp_path / "c"),
                          oversample={Path(tiny_files["train"]).stem: 3}), log=lambda m: None)
    assert len(once["train"]) > 0
    assert len(thrice["train"]) == 3 * len(once["train"])
    assert sorted(thrice["train"]["text"]) == sorted(list(once["train"]["text"]) * 3)
    for split in ("calib", "test"):   # held-out rows are never repeated: no figure counts a row twice
        assert thrice[split]["text"].tolist() == once[split]["text"].tolist()


def test_a_further_fine_tune_trains_and_saves(tiny_model, tiny_files, tmp_path):
    from voc_pipeline.models.train import train

    out = tmp_path / "next"
    cfg = _cfg(tiny_files, out, init=str(tiny_model), model_id="tiny-next", lr=1e-4, ngram_head=False)
    report = train(cfg, log=lambda m: None, progress=False, resume=False)
    assert report["steps"] == 2
    assert report["init"]["kind"] == "trained"
    assert json.loads((out / "config.json").read_text(encoding="utf-8"))["model_id"] == "tiny-next"
    from voc_pipeline.models.card import write_card

    card = write_card(out).read_text(encoding="utf-8")
    # the card names the model it continues and that model's own origin (here: trained from scratch)
    assert "from the trained model `" in card and "6 steps on train.jsonl" in card
    assert "That model: Trained from scratch" in card
    assert "- trained from scratch: no pretraining" in card


def test_cli_oversample_names_must_be_data_stems():
    from voc_pipeline.cli_model import _oversample

    data = [Path("x/nsmc_dev.parquet"), Path("data/train/commerce_written.jsonl")]
    assert _oversample(["commerce_written=10"], data) == {"commerce_written": 10}
    for bad in ("commerce_written", "commerce_written=0", "commerce_written=x", "other=3"):
        with pytest.raises(typer.BadParameter):
            _oversample([bad], data)


def test_cli_train_help_names_the_new_options():
    from voc_pipeline.cli import app

    res = CliRunner().invoke(app, ["train", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    assert "--oversample" in res.output
    assert "trained model directory" in res.output


def test_init_and_base_together_are_refused(tiny_model, tiny_files, tmp_path):
    """Before, --base silently won over --init; now the pair is an error."""
    from voc_pipeline.models.train import build_model

    cfg = _cfg(tiny_files, tmp_path / "x", init=str(tiny_model), base=str(tiny_model))
    with pytest.raises(ValueError, match="exclusive"):
        build_model(cfg, None, log=lambda m: None)
