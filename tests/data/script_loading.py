"""Import a data-building script (data/*/build_*.py, scripts/*.py) by path: they are not a package."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


def load_script(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
