"""--engine auto (engines/choice.py): processes only where they pay and fit."""

import pytest

from voc_pipeline.engines.choice import (
    DRIVER_MEMORY_BYTES,
    MIN_PROCESSES_INPUT_BYTES,
    WORKER_MEMORY_BYTES,
    choose_engine,
)

GIB = 2**30
BIG = 16 * 2**20   # the 100k-review benchmark export


def test_named_engine_is_kept():
    for name in ("local", "processes", "ray"):
        choice = choose_engine(name, BIG, workers=3, cores=16, memory=64 * GIB)
        assert (choice.engine, choice.workers) == (name, 3)
        assert choice.reason == ("the default" if name == "local" else "as requested")


def test_large_input_on_several_cores_gets_worker_processes():
    choice = choose_engine("auto", BIG, cores=2, memory=20 * GIB)
    assert (choice.engine, choice.workers) == ("processes", 2)
    assert "2 worker processes" in choice.reason


@pytest.mark.parametrize(("input_bytes", "cores", "memory", "why"), [
    (MIN_PROCESSES_INPUT_BYTES - 1, 16, 64 * GIB, "start-up"),   # ~13k short reviews
    (BIG, 1, 64 * GIB, "one core"),
    (BIG, 8, DRIVER_MEMORY_BYTES + WORKER_MEMORY_BYTES, "too little"),
])
def test_small_inputs_one_core_or_little_memory_stay_local(input_bytes, cores, memory, why):
    choice = choose_engine("auto", input_bytes, cores=cores, memory=memory)
    assert choice.engine == "local"
    assert why in choice.reason


def test_workers_are_capped_by_memory_and_by_the_workers_option():
    memory = DRIVER_MEMORY_BYTES + 5 * WORKER_MEMORY_BYTES
    assert choose_engine("auto", BIG, cores=16, memory=memory).workers == 5
    assert choose_engine("auto", BIG, workers=3, cores=16, memory=64 * GIB).workers == 3
    assert choose_engine("auto", BIG, workers=1, cores=16, memory=64 * GIB).engine == "local"
