"""Reusable constructs of the two-region database DR deployment, one per module."""
