"""Fixtures for constructs built over either kind of database.

A test module whose construct watches, routes to or backs up either kind defines
``synth(kind)``: its construct over the "aurora" global cluster or the "rds" replica pair
(``support.stacks.database_stack``), synthesized. These fixtures build each kind once per
module.
"""

import pytest


@pytest.fixture(scope="module")
def aurora_doc(request):
    return request.module.synth("aurora")


@pytest.fixture(scope="module")
def rds_doc(request):
    return request.module.synth("rds")


@pytest.fixture(params=["aurora", "rds"])
def kind_doc(request):
    """(kind, doc) of each kind in turn."""
    return request.param, request.getfixturevalue(f"{request.param}_doc")
