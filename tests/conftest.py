"""Session fixtures. `demo_run`: one real CLI run on data/sample/ with the embedded model, shared by
the end-to-end and notebook tests."""

from __future__ import annotations

import pytest

from tests.e2e.cli_helpers import CliRun, run_cli


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> CliRun:
    out = tmp_path_factory.mktemp("demo") / "out"
    result = run_cli("run", "--config", "configs/default.yaml", "--output", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    return result
