"""Pipeline stages: pure functions/classes over pandas batches, no file I/O."""
