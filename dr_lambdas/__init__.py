"""Lambda functions of the DR deployment: the failover orchestrator and the connectivity
canary. Plain Python, importable and testable without cdktf."""
