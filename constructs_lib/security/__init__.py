"""Per-region KMS keys and the database master secret."""
