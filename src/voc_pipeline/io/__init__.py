"""All file I/O of the pipeline: reading exports (encoding, readers, mapping, files)."""

from voc_pipeline.io.encoding import EncodingGuess, detect_encoding
from voc_pipeline.io.files import input_files, source_files
from voc_pipeline.io.readers import RawRow, detect_format, open_table

__all__ = [
    "EncodingGuess", "RawRow", "detect_encoding", "detect_format", "input_files", "open_table",
    "source_files",
]
