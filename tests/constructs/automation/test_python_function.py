"""PythonFunction: props that contradict each other or AWS's limits are refused before any
resource is created (the functions it builds are asserted through the constructs using it)."""

import pytest

from constructs_lib.automation.python_function import PythonFunction
from support.stacks import function_props, keyed_region, new_stack

IN_VPC = {"subnet_ids": ["subnet-0a"], "security_group_ids": ["sg-0a"]}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"timeout_seconds": 2}, r"timeout_seconds must be 3\.\.900, got 2"),
        ({"subnet_ids": ["subnet-0a"]}, "subnet_ids and security_group_ids go together"),
        ({"reserved_concurrency": 0}, r"reserved_concurrency must be None .* or >= 1, got 0"),
        (
            {**IN_VPC, "outside_vpc_reason": "needs only regional AWS APIs"},
            "outside_vpc_reason is for a function without subnet_ids, "
            "got 'needs only regional AWS APIs' with subnet_ids",
        ),
    ],
)
def test_invalid_props_are_refused(overrides, message):
    t = new_stack()
    props = function_props(keyed_region(t, "primary"), "canary", **overrides)
    with pytest.raises(ValueError, match=message):
        PythonFunction(t.stack, "Function", props)
