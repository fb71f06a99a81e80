"""Private helpers of stages/ingest.py: date, rating and chat parsing."""
