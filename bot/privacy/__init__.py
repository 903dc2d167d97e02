"""Privacy: a person's data exported or erased, and old transcripts purged."""
