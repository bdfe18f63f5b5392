"""The connectivity canary: connects to the regional cluster and publishes metrics."""
