"""Physical names: one pattern, AWS limits enforced, region codes stable."""

import pytest

from constructs_lib.naming import Namer, check_name, region_code


@pytest.mark.parametrize(
    "region, code",
    [
        ("us-east-1", "use1"),
        ("us-west-2", "usw2"),
        ("eu-west-1", "euw1"),
        ("ap-southeast-2", "apse2"),
        ("eu-central-1", "euc1"),
        ("ap-northeast-3", "apne3"),
    ],
)
def test_region_codes(region, code):
    assert region_code(region) == code


def test_names_carry_project_role_region_and_suffix():
    namer = Namer("dbdr", "dev")
    assert namer.name("cluster", "us-east-1") == "dbdr-cluster-use1-dev"
    assert namer.name("instance", "us-west-2", index=1) == "dbdr-instance-usw2-1-dev"
    assert namer.name("global") == "dbdr-global-dev"


def test_regional_role_without_region_is_a_programming_error():
    with pytest.raises(ValueError, match="regional"):
        Namer("dbdr", "dev").name("cluster")


@pytest.mark.parametrize(
    "name, kind, problem",
    [
        ("a" * 64, "rds", "63"),
        ("Upper-case", "rds", "lowercase"),
        ("double--hyphen", "rds", "single hyphens"),
        ("r" * 65, "iam", "64"),
    ],
)
def test_aws_limits(name, kind, problem):
    with pytest.raises(ValueError, match=problem):
        check_name(name, kind)
