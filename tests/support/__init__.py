"""What several test modules share: stacks to test constructs in, the orchestrator's world."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
