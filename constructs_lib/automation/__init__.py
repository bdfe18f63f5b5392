"""The failover orchestrator and the Lambda packaging it shares with the canary."""
