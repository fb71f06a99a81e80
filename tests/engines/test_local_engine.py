"""The local engine: overlapped (prefetch thread) and sequential give the same results in input order."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from voc_pipeline.engines import local


class _FakeStages:
    """prepare/complete that record which thread ran them; no Kiwi, no model."""

    def __init__(self, fail_at: int | None = None):
        self.fail_at = fail_at
        self.prepare_threads: set[str] = set()

    def prepare(self, records, quarantine):
        self.prepare_threads.add(threading.current_thread().name)
        if records == self.fail_at:
            raise ValueError(f"bad batch {records}")
        return ("prepared", records)

    def complete(self, prepared):
        return ("done", prepared[1])

    def analyse(self, records, quarantine):
        return self.complete(self.prepare(records, quarantine))


def _batches(n):
    for i in range(n):
        yield f"file{i % 3}", SimpleNamespace(records=i, quarantine=None, rows_read=10 + i)


@pytest.mark.parametrize("prefetch", [0, 1, 3])
def test_same_results_in_input_order(prefetch, monkeypatch):
    monkeypatch.setenv("VOC_PIPELINE_THREADS", "1")
    stages = _FakeStages()
    out = list(local.analyse_batches(stages, _batches(25), workers=2, prefetch=prefetch))
    assert out == [(f"file{i % 3}", 10 + i, ("done", i)) for i in range(25)]
    assert (stages.prepare_threads == {"voc-prepare"}) == (prefetch > 0)


def test_producer_error_reaches_the_caller_with_its_type(monkeypatch):
    monkeypatch.setenv("VOC_PIPELINE_THREADS", "1")
    with pytest.raises(ValueError, match="bad batch 4"):
        list(local.analyse_batches(_FakeStages(fail_at=4), _batches(10), workers=2, prefetch=1))


def test_consumer_stopping_early_stops_the_producer(monkeypatch):
    monkeypatch.setenv("VOC_PIPELINE_THREADS", "1")
    gen = local.analyse_batches(_FakeStages(), _batches(1000), workers=2, prefetch=2)
    assert next(gen)[2] == ("done", 0)
    gen.close()
    assert not any(t.name == "voc-prepare" for t in threading.enumerate())


def test_model_threads_default_and_override(monkeypatch):
    monkeypatch.delenv("VOC_PIPELINE_THREADS", raising=False)
    assert local.model_threads(2, overlapped=True) == 2
    assert local.model_threads(8, overlapped=True) == 8
    assert local.model_threads(2, overlapped=False) == 2
    monkeypatch.setenv("VOC_PIPELINE_THREADS", "3")
    assert local.model_threads(2, overlapped=True) == 3
