"""The failover orchestrator: decides and performs a switchover or failover, moves DNS."""
