"""voc-pipeline: Korean Voice-of-Customer exports to customer-journey tables.

Public API (everything else is private and may change):

    from voc_pipeline import load_config, run_pipeline, VocPipelineError
"""

from voc_pipeline.errors import VocPipelineError

__version__ = "0.1.0"

__all__ = ["VocPipelineError", "__version__", "load_config", "run_pipeline"]


def __getattr__(name: str):
    # Lazy so that `import voc_pipeline` stays cheap (no torch/kiwi at import time).
    if name == "load_config":
        from voc_pipeline.config import load_config

        return load_config
    if name == "run_pipeline":
        from voc_pipeline.pipeline import run_pipeline

        return run_pipeline
    raise AttributeError(name)
