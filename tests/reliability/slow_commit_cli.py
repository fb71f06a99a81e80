"""The CLI with every rename of the dataset commit slowed down (test only), so that a kill from
outside lands *between* the renames of a commit rather than before or after it.

    python tests/reliability/slow_commit_cli.py run --config ... --output ...   (same arguments)
"""

from __future__ import annotations

import os
import pathlib
import sys
import time

DELAY_S = float(os.environ.get("VOC_TEST_RENAME_DELAY", "0.02"))
_rename = pathlib.Path.rename


def _slow_rename(self, target):
    time.sleep(DELAY_S)
    return _rename(self, target)


if __name__ == "__main__":
    pathlib.Path.rename = _slow_rename
    from voc_pipeline.cli import app

    sys.argv[0] = "voc-pipeline"
    app()
