"""Execution engines: local (in-process, default) and Ray Data (optional extra)."""
