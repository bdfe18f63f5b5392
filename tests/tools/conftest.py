"""One emulator server per test session (per pytest-xdist worker), emptied before each test.

Starting a server is cheap; what costs is moto's state, so every test that asks for
``emulator`` gets the session's server reset to an empty state (its own fixes included:
they live on moto's classes and outlast the reset). Tests of starting and stopping an
emulator start their own.
"""

from __future__ import annotations

import pytest

from tools.emulator import Emulator


@pytest.fixture(scope="session")
def emulator_server():
    # Port 0: the operating system picks a free port at bind time, so two xdist workers (two
    # processes) never share one.
    with Emulator() as emu:
        yield emu


@pytest.fixture()
def emulator(emulator_server):
    """The session's emulator, emptied: no test sees what another created."""
    emulator_server.reset()
    return emulator_server
