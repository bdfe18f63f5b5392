"""Alarms, database events, telemetry, the dashboard and the connectivity canary."""
