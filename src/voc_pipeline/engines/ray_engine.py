"""The Ray Data engine (``--engine ray``): the same stage code as the local engine, on a Ray cluster.

    driver: ingest (streaming, sequential: cross-file duplicate policy)  ->  window of batches
    Ray Data: from_items(window)
       -> map_batches(_Prepare)   actor pool, CPU: mask + Kiwi      (Stages(only="prepare"))
       -> map_batches(_Complete)  actor pool, model (+ GPU if any)  (Stages(only="complete"))
    driver: results in input order (preserve_order) -> accounting, staging, aggregation, commit

The engine keeps ``analyse_batches``' contract, so accounting, the staged dataset layout, the
aggregation and the atomic commit stay in one place (pipeline.py) and the tables are the same as
the local engine's. Ingest batches are shipped to the cluster a window at a time
(``VOC_PIPELINE_RAY_WINDOW`` batches, default 32) so driver memory stays bounded; every window
reuses the same Ray cluster but starts its own actor pools (model loaded once per actor per window).

Cluster: ``RAY_ADDRESS=ray://head:10001 voc-pipeline run --engine ray ...`` (docs/scale.md).
Without ``RAY_ADDRESS`` a local Ray is started with ``num_cpus=--workers`` (default: all cores).
The pseudonymisation secret goes from the driver's environment into the prepare actors' constructor
wrapped in an object whose repr hides it; it is never logged and complete actors never get it.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterable, Iterator
from pathlib import Path

import ray  # ImportError here -> pipeline tells the user to install the [ray] extra

from voc_pipeline.engines._secret import Secret

DEFAULT_WINDOW = 32


def _dump(obj) -> bytes:
    return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


class _Prepare:
    """Actor: masker + Kiwi built once; mask + tokenize each ingest batch."""

    def __init__(self, config, secret: Secret, kiwi_threads: int) -> None:
        from voc_pipeline.pipeline import Stages

        self.stages = Stages(config, secret.reveal(), kiwi_threads, only="prepare")

    def __call__(self, batch: dict) -> dict:
        out = []
        for payload in batch["payload"]:
            path, rows_read, records, quarantine = pickle.loads(payload)
            out.append(_dump((path, rows_read, self.stages.prepare(records, quarantine))))
        return {"seq": batch["seq"], "payload": out}


class _Complete:
    """Actor: the model (once per actor, on its GPU if it has one) + journey mapping."""

    def __init__(self, config, model_threads: int) -> None:
        from voc_pipeline.pipeline import Stages

        self.stages = Stages(config, b"", 1, only="complete")
        if model_threads > 0:
            self.stages.model.set_threads(model_threads)

    def __call__(self, batch: dict) -> dict:
        out = []
        for payload in batch["payload"]:
            path, rows_read, prepared = pickle.loads(payload)
            out.append(_dump((path, rows_read, self.stages.complete(prepared))))
        return {"seq": batch["seq"], "payload": out}


def _init_ray(workers: int | None) -> None:
    if ray.is_initialized():
        return
    address = os.environ.get("RAY_ADDRESS")
    kwargs = {"ignore_reinit_error": True, "include_dashboard": False, "log_to_driver": False}
    if address:
        ray.init(address=address, **kwargs)
    else:
        ray.init(num_cpus=workers or os.cpu_count() or 1, **kwargs)


def _plan(workers: int | None) -> dict:
    """Actor pool sizes from what the cluster has: model actors on GPUs when there are any."""
    res = ray.cluster_resources()
    cpus = max(1, int(res.get("CPU", workers or 1)))
    gpus = int(res.get("GPU", 0))
    if gpus:
        return {"prepare": max(1, cpus - 1), "complete": gpus, "num_gpus": 1, "model_threads": 0}
    # CPU only: Kiwi and the model share the cores, half each (the local engine's measured split).
    half = max(1, cpus // 2)
    return {"prepare": half, "complete": max(1, cpus - half), "num_gpus": 0, "model_threads": 1}


def analyse_batches(stages, batches: Iterable, workers: int | None = None) -> Iterator[tuple[Path, int, object]]:
    """(path, rows_read, Analysed) per ingest batch, in input order, computed on Ray."""
    from voc_pipeline.stages.mask import secret_from_env

    _init_ray(workers)
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False
    sizes = _plan(workers)
    secret = Secret(secret_from_env(stages.config.privacy.secret_env))
    window = int(os.environ.get("VOC_PIPELINE_RAY_WINDOW", DEFAULT_WINDOW) or DEFAULT_WINDOW)
    config = stages.config

    def run(items: list[dict]) -> Iterator[tuple[Path, int, object]]:
        ds = ray.data.from_items(items, override_num_blocks=len(items))
        ds = ds.map_batches(
            _Prepare, batch_size=1, fn_constructor_kwargs={
                "config": config, "secret": secret, "kiwi_threads": 1,
            }, compute=ray.data.ActorPoolStrategy(size=min(sizes["prepare"], len(items))), num_cpus=1,
        )
        ds = ds.map_batches(
            _Complete, batch_size=1, fn_constructor_kwargs={
                "config": config, "model_threads": sizes["model_threads"],
            }, compute=ray.data.ActorPoolStrategy(size=min(sizes["complete"], len(items))),
            num_cpus=0 if sizes["num_gpus"] else 1, num_gpus=sizes["num_gpus"],
        )
        expected = items[0]["seq"]
        for row in ds.iter_rows():
            if row["seq"] != expected:  # preserve_order is the contract; check it, never reorder silently
                raise RuntimeError(f"ray engine: batch {row['seq']} arrived, expected {expected}")
            expected += 1
            yield pickle.loads(row["payload"])

    items: list[dict] = []
    for seq, (path, batch) in enumerate(batches):
        items.append({"seq": seq, "payload": _dump((path, batch.rows_read, batch.records, batch.quarantine))})
        if len(items) >= window:
            yield from run(items)
            items = []
    if items:
        yield from run(items)
