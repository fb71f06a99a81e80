"""Config validation: errors name the bad key and what is allowed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from voc_pipeline.config import config_from_dict, default_valid_until, domain_path, load_config
from voc_pipeline.errors import ConfigError

SOURCE = {"name": "reviews", "channel": "review", "path": "x.xlsx", "columns": {"text": "리뷰내용"}}


@pytest.mark.parametrize(
    ("data", "key", "allowed"),
    [
        ({"sorces": []}, "'sorces'", "sources"),
        ({"model": {"batchsize": 3}}, "'model.batchsize'", "batch_size"),
        ({"sources": [{**SOURCE, "columns": {"txt": "a"}}]}, "'sources.0.columns", "text"),
        ({"sources": [{**SOURCE, "channel": "phone"}]}, "'sources.0.channel'", "'complaint'"),
        ({"privacy": {"mask": ["phone", "ssn"]}}, "'privacy.mask.1'", "'rrn'"),
    ],
)
def test_errors_name_key_and_allowed_values(data, key, allowed):
    with pytest.raises(ConfigError) as err:
        config_from_dict(data)
    assert key in str(err.value) and allowed in str(err.value)
    assert err.value.exit_code == 2


def test_duplicate_source_names_rejected():
    with pytest.raises(ConfigError, match="unique"):
        config_from_dict({"sources": [SOURCE, SOURCE]})


def test_unknown_domain_lists_the_shipped_ones():
    with pytest.raises(ConfigError) as err:
        domain_path("zoo")
    assert "commerce" in str(err.value) and "telecom" in str(err.value)


def test_default_config_loads():
    config = load_config("configs/default.yaml")
    assert [s.channel for s in config.sources] == ["complaint", "review", "chat", "agent_note"]


def test_model_record_pass_is_validated():
    # whole since the voc fusion (docs/model.md 'The VOC fusion with the whole-record pass')
    assert config_from_dict({}).model.record_pass == "whole"
    assert config_from_dict({"model": {"record_pass": "mean"}}).model.record_pass == "mean"
    with pytest.raises(ConfigError) as err:
        config_from_dict({"model": {"record_pass": "max"}})
    assert "'model.record_pass'" in str(err.value) and "'blend'" in str(err.value)


def test_model_sentiment_fusion_is_validated():
    assert config_from_dict({}).model.sentiment_fusion == "voc"
    assert config_from_dict({"model": {"sentiment_fusion": "general"}}).model.sentiment_fusion == "general"
    with pytest.raises(ConfigError) as err:
        config_from_dict({"model": {"sentiment_fusion": "movies"}})
    assert "'model.sentiment_fusion'" in str(err.value) and "'voc'" in str(err.value)


def test_model_option_choices_are_the_tag_stage_modes():
    """config's Literal choices and the tag stage's mode tuples are written twice: keep them in step."""
    from typing import get_args

    from voc_pipeline.config import ModelConfig
    from voc_pipeline.models.ngram_head import FUSIONS
    from voc_pipeline.stages.tag import (
        OPINION_FILL_CONFIDENCE,
        OPINION_FILLS,
        RECORD_PASSES,
        SPAN_FUSIONS,
        SPAN_PAIRINGS,
    )

    fields = ModelConfig.model_fields
    assert set(get_args(fields["sentiment_fusion"].annotation)) == set(FUSIONS)
    assert get_args(fields["record_pass"].annotation) == RECORD_PASSES
    assert get_args(fields["span_fusion"].annotation) == SPAN_FUSIONS
    assert get_args(fields["span_pairing"].annotation) == SPAN_PAIRINGS
    assert get_args(fields["opinion_fill"].annotation) == OPINION_FILLS
    assert fields["opinion_fill_confidence"].default == OPINION_FILL_CONFIDENCE


def test_period_valid_range():
    config = config_from_dict({"period": {"valid_from": "2024-01-01", "valid_until": "2026-12-31"}})
    assert (str(config.period.valid_from), str(config.period.valid_until)) == ("2024-01-01", "2026-12-31")
    with pytest.raises(ConfigError) as err:
        config_from_dict({"period": {"valid_from": "2026-12-01", "valid_until": "2026-11-30"}})
    assert "'period'" in str(err.value) and "before valid_from" in str(err.value)
    with pytest.raises(ConfigError, match=r"'period\.valid_until'"):
        config_from_dict({"period": {"valid_until": "next week"}})


def test_pinned_period_fixes_the_default_upper_bound():
    pinned = config_from_dict({}).period.pinned()
    assert pinned.valid_until in {default_valid_until(pinned.timezone),
                                  default_valid_until(pinned.timezone) - timedelta(days=1)}
    fixed = config_from_dict({"period": {"valid_until": "2026-11-30"}}).period
    assert fixed.pinned() is fixed
