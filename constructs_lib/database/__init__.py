"""Aurora Global Database and RDS primary + cross-region read replica."""
