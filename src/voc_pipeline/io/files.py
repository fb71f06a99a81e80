"""Which files a source's ``path`` (file, directory or glob) names."""

from __future__ import annotations

import glob
from collections.abc import Iterable
from pathlib import Path

from voc_pipeline.config import SourceConfig
from voc_pipeline.errors import InputNotFoundError
from voc_pipeline.io.readers import SUPPORTED_SUFFIXES

_GLOB_CHARS = set("*?[")


def _is_input(p: Path) -> bool:
    name = p.name
    return (
        p.is_file()
        and not name.startswith((".", "~$"))   # hidden files, Excel lock files
        and p.suffix.lower() in SUPPORTED_SUFFIXES
    )


def _expand(path: Path) -> list[Path]:
    text = str(path)
    if any(c in text for c in _GLOB_CHARS):
        return [p for p in map(Path, glob.glob(text, recursive=True)) if p.is_file() and not p.name.startswith("~$")]
    if path.is_dir():
        return [p for p in path.iterdir() if _is_input(p)]
    if path.is_file():
        return [path]
    return []


def source_files(source: SourceConfig, base_dir: str | Path = ".") -> list[Path]:
    """Sorted files of ``source.path`` resolved against ``base_dir``. A directory means its
    supported files (not recursive; use a glob with ``**`` for that). Raises
    :class:`InputNotFoundError` when nothing matches."""
    p = Path(source.path).expanduser()
    if not p.is_absolute():
        p = Path(base_dir) / p
    files = sorted(set(_expand(p)))
    if not files:
        raise InputNotFoundError(
            f"입력 파일이 없습니다: 소스 '{source.name}' path={source.path}",
            f"no input files for source '{source.name}': path={source.path} (resolved {p})",
        )
    return files


def input_files(paths: Iterable[str | Path]) -> list[Path]:
    """``--input`` arguments (files, directories, globs) -> sorted supported files."""
    out: set[Path] = set()
    missing = []
    for raw in paths:
        found = _expand(Path(raw).expanduser())
        if not found:
            missing.append(str(raw))
        out.update(found)
    if missing or not out:
        raise InputNotFoundError(
            f"입력 파일이 없습니다: {', '.join(missing) or '(없음)'}",
            f"no input files: {', '.join(missing) or '(none)'}",
        )
    return sorted(out)
