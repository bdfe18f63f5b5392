"""Backups: AWS Backup plan with cross-region copy, replicated S3 buckets."""
