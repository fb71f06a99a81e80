"""Span fusion (stages/tag.py ``fuse_span_labels``, config ``model.span_fusion``) over real Kiwi
morphemes, the real lexicon and the embedded model: what the pipeline and ``span_eval`` both run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from tests.stages.bio import bio_labels, with_span_labels

from voc_pipeline.config import ModelConfig, config_from_dict, domain_path
from voc_pipeline.errors import ConfigError
from voc_pipeline.models.weak import weak_spans
from voc_pipeline.stages._tag.fusion import _bio_spans
from voc_pipeline.stages.tag import (
    LEXICON_CONFIDENCE,
    SPAN_FUSIONS,
    Tagger,
    fuse_span_labels,
    fusion_lexicon,
)
from voc_pipeline.stages.tokenize import KiwiTokenizer

ROOT = Path(__file__).resolve().parents[2]
DEV_SPANS = ROOT / "data" / "dev" / "commerce_spans_dev.jsonl"


@pytest.fixture(scope="module")
def kiwi() -> KiwiTokenizer:
    return KiwiTokenizer(num_workers=1)


@pytest.fixture(scope="module")
def lexicon():
    return fusion_lexicon(None, domain_path("commerce"))


@pytest.fixture(scope="module")
def model():
    from voc_pipeline.models.tagger import load_tagger

    return load_tagger(None, threads=1)


def _sentences(kiwi: KiwiTokenizer, *texts: str) -> pd.DataFrame:
    return kiwi(pd.DataFrame({"record_id": [f"r{i}" for i in range(len(texts))], "text": list(texts)}))


def _morphs(sent) -> list[tuple[str, str]]:
    return list(zip(sent.forms, sent.tags, strict=True))



def _well_formed(labels: list[str]) -> bool:
    return all(not lab.startswith("I-") or (i and labels[i - 1][2:] == lab[2:]) for i, lab in enumerate(labels))


def test_a_lexicon_aspect_the_model_missed_is_added(kiwi, lexicon):
    s = _sentences(kiwi, "배송이 너무 늦어요").iloc[0]
    model = bio_labels(s, {"늦": "NEG", "어요": "NEG"})               # the model found the pain, not 배송
    lex = weak_spans(_morphs(s), lexicon)
    assert lex[s.forms.index("배송")] == "B-ASP"
    for mode in ("fill", "lexicon_aspects", "union"):
        labels, conf = fuse_span_labels(model, lex, mode, [0.9] * len(model))
        at = s.forms.index("배송")
        assert labels[at] == "B-ASP" and conf[at] == LEXICON_CONFIDENCE
        assert [labels[i] for i in range(len(labels)) if model[i] != "O"] == [m for m in model if m != "O"]
    assert fuse_span_labels(model, lex, "model")[0] == model


def test_fill_never_deletes_or_moves_a_model_aspect(kiwi, lexicon):
    # the model tags 매트리스 (unknown to the lexicon) and 허리; the lexicon knows neither
    s = _sentences(kiwi, "매트리스가 너무 딱딱해서 허리 아파요").iloc[0]
    model = bio_labels(s, {"매트리스": "ASP", "딱딱": "NEG", "하": "NEG"})
    lex = weak_spans(_morphs(s), lexicon)
    for mode in ("fill", "union"):
        fused, _ = fuse_span_labels(model, lex, mode)
        assert set(_bio_spans(model)) <= set(_bio_spans(fused))
    # lexicon_aspects drops the model's aspects (there: the lexicon's instead), keeps its opinions
    fused, _ = fuse_span_labels(model, lex, "lexicon_aspects")
    assert [s for s in _bio_spans(fused) if s[0] != "ASP"] == [s for s in _bio_spans(model) if s[0] != "ASP"]
    assert [s for s in _bio_spans(fused) if s[0] == "ASP"] == [s for s in _bio_spans(lex) if s[0] == "ASP"]


def test_a_lexicon_span_overlapping_a_model_span_is_not_added(kiwi, lexicon):
    s = _sentences(kiwi, "택배 기사님이 친절하셨어요").iloc[0]
    # the model's aspect covers 기사 only; the lexicon's is 택배 기사 (one span): it is not added
    model = bio_labels(s, {"기사": "ASP", "친절": "POS"})
    lex = weak_spans(_morphs(s), lexicon)
    assert ("ASP", 0, 2) in _bio_spans(lex)
    fused, _ = fuse_span_labels(model, lex, "fill")
    assert fused == model


def test_fusion_on_the_dev_set_with_the_real_model_keeps_spans_disjoint_and_model_spans_whole(kiwi, lexicon, model):
    rows = [json.loads(x) for x in DEV_SPANS.read_text(encoding="utf-8").splitlines()]
    sents = _sentences(kiwi, *[r["text"] for r in rows])
    morphs = [_morphs(s) for s in sents.itertuples()]
    out = model.predict(morphs)
    added = 0
    for i, m in enumerate(morphs):
        ml, lex = out.labels_of(i), weak_spans(m, lexicon)
        for mode in SPAN_FUSIONS:
            fused, conf = fuse_span_labels(ml, lex, mode, out.confidence_of(i))
            assert len(fused) == len(conf) == len(m) and _well_formed(fused)
            spans = _bio_spans(fused)
            covered = [k for _, a, b in spans for k in range(a, b)]
            assert len(covered) == len(set(covered)), "spans overlap"
            kept = set(_bio_spans(ml)) if mode != "lexicon_aspects" else {x for x in _bio_spans(ml) if x[0] != "ASP"}
            assert kept <= set(spans), (mode, m)
            if mode == "fill":
                added += len(spans) - len(kept)
                assert {x[0] for x in set(spans) - kept} <= {"ASP"}
    assert added > 30  # the dev set was written with aspects the model misses


def test_tagger_fill_gives_a_mention_its_aspect(kiwi, model):
    """Real sentence (from the dev set's kind), the real model's probabilities, its spans replaced by a
    model that found only the opinion 고장나다 (what voc-fast-v1 did here): the lexicon (commerce.yaml)
    knows 지퍼, so under fill the pain gets its aspect, and the model's own opinion is kept."""
    s = _sentences(kiwi, "지퍼가 한 번 쓰고 고장났어요")
    labels = bio_labels(s.iloc[0], {"고장": "NEG", "나": "NEG"})

    opinion_only = with_span_labels(model, labels)
    _, alone = Tagger(opinion_only)(s)
    _, fused = Tagger(opinion_only, span_fusion="fill", domain_yaml=domain_path("commerce"))(s)
    assert list(alone["opinion"]) == list(fused["opinion"]) == ["고장나다"]
    assert alone["aspect"].isna().all()
    assert list(fused["aspect"]) == ["지퍼"]
    # the embedded model itself: whether or not it finds 지퍼 alone, fill ends with it
    _, real = Tagger(model, span_fusion="fill", domain_yaml=domain_path("commerce"))(s)
    assert list(real["aspect"]) == ["지퍼"] and list(real["opinion"]) == ["고장나다"]


def test_tagger_fill_decodes_only_sentences_with_a_model_span_and_loses_nothing(kiwi, model, lexicon):
    """The fast path: fill runs the lexicon only where the model tagged a span; running it over every
    sentence gives the same mentions (fill adds aspects only, and a mention needs an opinion)."""
    from voc_pipeline.stages.tag import mentions_for_sentence

    texts = ["배송이 너무 늦어요", "주문번호 알려드릴게요", "지퍼가 한 번 쓰고 고장났어요", "네 감사합니다",
             "상담원은 친절했는데 환불이 안 돼요", "포장 상자 사진 첨부합니다"]
    sents = _sentences(kiwi, *texts)
    _, fast = Tagger(model, span_fusion="fill", lexicon=lexicon)(sents)
    out = model.predict([_morphs(s) for s in sents.itertuples()])
    rows = []
    for i, s in enumerate(sents.itertuples()):
        labels, conf = fuse_span_labels(out.labels_of(i), weak_spans(_morphs(s), lexicon), "fill", out.confidence_of(i))
        rows += mentions_for_sentence(s.record_id, s.sentence_index, s.forms, s.tags, s.lemmas, s.starts, s.lens,
                                      labels, conf)
    assert fast.to_dict("records") == pd.DataFrame(rows, columns=fast.columns).to_dict("records")


def test_unknown_modes_are_refused(model):
    with pytest.raises(ValueError, match="span_fusion"):
        fuse_span_labels(["O"], ["O"], "both")
    with pytest.raises(ValueError, match="span_fusion"):
        Tagger(model, span_fusion="both")
    with pytest.raises(ValueError, match="one entry per morpheme"):
        fuse_span_labels(["O", "O"], ["O"], "fill")
    import yaml

    data = yaml.safe_load((ROOT / "configs" / "default.yaml").read_text(encoding="utf-8"))
    data.setdefault("model", {})["span_fusion"] = "union"
    assert config_from_dict(data).model.span_fusion == "union"
    data["model"]["span_fusion"] = "both"
    with pytest.raises(ConfigError, match="span_fusion"):
        config_from_dict(data)


def test_config_default_is_the_dev_chosen_fill_and_lists_every_mode():
    import typing

    assert ModelConfig().span_fusion == "fill"
    assert typing.get_args(ModelConfig.model_fields["span_fusion"].annotation) == SPAN_FUSIONS


def test_fusion_lexicon_is_the_model_directorys(tmp_path):
    (tmp_path / "lexicon.yaml").write_text("aspects:\n  use: [뚜껑]\nopinions:\n  neg: [헐겁다]\n  pos: [좋다]\n",
                                           encoding="utf-8")
    own = fusion_lexicon(tmp_path, None)
    assert own.aspects == {"뚜껑": "use"}
    assert "지퍼" in fusion_lexicon(None, domain_path("commerce")).aspects


def test_span_eval_scores_several_fusions_on_one_pass(tmp_path):
    from voc_pipeline.models.evaluate import span_eval

    rows = [json.loads(x) for x in DEV_SPANS.read_text(encoding="utf-8").splitlines()][:40]
    f = tmp_path / "spans.jsonl"
    f.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    dom = domain_path("commerce")
    # the fusion alone (no opinion fill, which runs after it: tests/stages/test_opinion_fill.py)
    both = span_eval(f, None, dom, fusion=["model", "fill"], opinion_fill="none")
    assert set(both) == {"model", "fill"}
    assert both["model"] == span_eval(f, None, dom, opinion_fill="none")
    assert both["fill"]["fusion"] == "fill"
    # fill adds aspect spans only: opinion scores are the model's, aspect recall never drops
    assert both["fill"]["opn"] == both["model"]["opn"]
    assert both["fill"]["asp"]["overlap"]["recall"] >= both["model"]["asp"]["overlap"]["recall"]
    # the default opinion fill (the run's) adds opinions on top, never removes a fused span's opinion
    filled = span_eval(f, None, dom, fusion="fill")
    assert filled["opinion_fill"] == ModelConfig().opinion_fill != "none"
    assert filled["asp"]["overlap"]["recall"] >= both["fill"]["asp"]["overlap"]["recall"]
    assert filled["opn"]["overlap"]["pred"] > both["fill"]["opn"]["overlap"]["pred"]
    with pytest.raises(ValueError, match="fusion"):
        span_eval(f, None, dom, fusion="both")
