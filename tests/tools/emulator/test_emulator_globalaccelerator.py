"""Global Accelerator (tools/emulator/globalaccelerator.py), which moto lacks: accelerators,
listeners and endpoint groups as the Terraform provider 5.100.0 drives them (it signs every
call for us-west-2 and waits for DEPLOYED after each change), and AWS's refusals."""

from __future__ import annotations

import re

import pytest

from support.emulator_checks import PRIMARY, SECONDARY, refusal

GA_REGION = "us-west-2"  # the only region AWS serves the Global Accelerator API from
ARN = re.compile(r"^arn:aws:globalaccelerator::123456789012:accelerator/[0-9a-f-]{36}$")


def _deployed(ga, arn: str) -> dict:
    """Poll as the provider's waitAcceleratorDeployed does (bounded)."""
    seen = []
    for _ in range(5):
        accelerator = ga.describe_accelerator(AcceleratorArn=arn)["Accelerator"]
        seen.append(accelerator["Status"])
        if accelerator["Status"] == "DEPLOYED":
            return {"accelerator": accelerator, "seen": seen}
    raise AssertionError(f"never DEPLOYED: {seen}")


@pytest.fixture()
def ga(emulator):
    return emulator.client("globalaccelerator", GA_REGION)


@pytest.fixture()
def nlbs(emulator):
    """A network load balancer in each region, as aws_lb creates it (VPC, two subnets)."""
    arns = {}
    for region in (PRIMARY, SECONDARY):
        ec2 = emulator.client("ec2", region)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=region + az)[
                "Subnet"
            ]["SubnetId"]
            for i, az in enumerate("ab")
        ]
        elbv2 = emulator.client("elbv2", region)
        arns[region] = elbv2.create_load_balancer(
            Name=f"app-{region}", Subnets=subnets, Type="network"
        )["LoadBalancers"][0]["LoadBalancerArn"]
    return arns


def _accelerator(ga, **extra) -> str:
    arn = ga.create_accelerator(
        Name="app-ga", IpAddressType="IPV4", Enabled=True, IdempotencyToken="tf-1", **extra
    )["Accelerator"]["AcceleratorArn"]
    _deployed(ga, arn)
    return arn


def _listener(ga, accelerator_arn: str, port: int = 443, token: str = "tf-2") -> str:
    arn = ga.create_listener(
        AcceleratorArn=accelerator_arn,
        ClientAffinity="NONE",
        IdempotencyToken=token,
        PortRanges=[{"FromPort": port, "ToPort": port}],
        Protocol="TCP",
    )["Listener"]["ListenerArn"]
    _deployed(ga, accelerator_arn)
    return arn


def _group(ga, listener_arn: str, region: str, endpoint_id: str, **extra) -> dict:
    return ga.create_endpoint_group(
        ListenerArn=listener_arn,
        EndpointGroupRegion=region,
        IdempotencyToken=f"tf-{region}",
        EndpointConfigurations=[
            {"EndpointId": endpoint_id, "Weight": 100, "ClientIPPreservationEnabled": True}
        ],
        **extra,
    )["EndpointGroup"]


# -- the provider's call sequence -----------------------------------------------------------


def test_an_accelerator_is_created_read_updated_and_deleted_as_the_provider_does(emulator, ga):
    emulator.client("s3", GA_REGION).create_bucket(
        Bucket="app-flow-logs", CreateBucketConfiguration={"LocationConstraint": GA_REGION}
    )
    # Create: the provider waits for DEPLOYED, then sets the attributes and waits again
    created = ga.create_accelerator(
        Name="app-ga",
        IpAddressType="IPV4",
        Enabled=True,
        IdempotencyToken="tf-1",
        Tags=[{"Key": "tier", "Value": "app"}],
    )["Accelerator"]
    arn = created["AcceleratorArn"]
    assert ARN.match(arn)
    assert created["Status"] == "IN_PROGRESS"
    waited = _deployed(ga, arn)
    assert waited["seen"] == ["IN_PROGRESS", "DEPLOYED"]
    accelerator = waited["accelerator"]
    assert re.match(r"^a[0-9a-f]{16}\.awsglobalaccelerator\.com$", accelerator["DnsName"])
    (ip_set,) = accelerator["IpSets"]
    assert ip_set["IpFamily"] == "IPv4" and len(set(ip_set["IpAddresses"])) == 2
    # the same idempotency token answers the same accelerator
    again = ga.create_accelerator(Name="app-ga", IdempotencyToken="tf-1")["Accelerator"]
    assert again["AcceleratorArn"] == arn

    ga.update_accelerator_attributes(
        AcceleratorArn=arn,
        FlowLogsEnabled=True,
        FlowLogsS3Bucket="app-flow-logs",
        FlowLogsS3Prefix="flow-logs/",
    )
    assert _deployed(ga, arn)["seen"] == ["IN_PROGRESS", "DEPLOYED"]
    assert ga.describe_accelerator_attributes(AcceleratorArn=arn)["AcceleratorAttributes"] == {
        "FlowLogsEnabled": True,
        "FlowLogsS3Bucket": "app-flow-logs",
        "FlowLogsS3Prefix": "flow-logs/",
    }
    assert ga.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "tier", "Value": "app"}]

    # Update: name and tags
    ga.update_accelerator(AcceleratorArn=arn, Name="app-ga-2", Enabled=True, IpAddressType="IPV4")
    assert _deployed(ga, arn)["accelerator"]["Name"] == "app-ga-2"
    ga.tag_resource(ResourceArn=arn, Tags=[{"Key": "owner", "Value": "team"}])
    ga.untag_resource(ResourceArn=arn, TagKeys=["tier"])
    assert ga.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "owner", "Value": "team"}]
    listed = ga.list_accelerators()["Accelerators"]
    assert [(a["AcceleratorArn"], a["Name"]) for a in listed] == [(arn, "app-ga-2")]
    # the static addresses stay with the accelerator
    assert ga.describe_accelerator(AcceleratorArn=arn)["Accelerator"]["IpSets"] == [ip_set]

    # Delete: disable, wait for DEPLOYED, delete; then it is gone
    ga.update_accelerator(AcceleratorArn=arn, Enabled=False)
    assert _deployed(ga, arn)["accelerator"]["Enabled"] is False
    ga.delete_accelerator(AcceleratorArn=arn)
    assert refusal(lambda: ga.describe_accelerator(AcceleratorArn=arn))[:2] == (
        "AcceleratorNotFoundException",
        400,
    )
    assert ga.list_accelerators()["Accelerators"] == []


def test_listener_and_an_endpoint_group_per_region_as_the_provider_does(ga, nlbs):
    accelerator_arn = _accelerator(ga)
    listener_arn = _listener(ga, accelerator_arn)
    assert listener_arn.startswith(accelerator_arn + "/listener/")
    assert ga.describe_listener(ListenerArn=listener_arn)["Listener"] == {
        "ListenerArn": listener_arn,
        "PortRanges": [{"FromPort": 443, "ToPort": 443}],
        "Protocol": "TCP",
        "ClientAffinity": "NONE",
    }

    groups = {}
    for region in (PRIMARY, SECONDARY):
        created = _group(
            ga,
            listener_arn,
            region,
            nlbs[region],
            HealthCheckPort=443,
            HealthCheckProtocol="TCP",
            HealthCheckIntervalSeconds=30,
            ThresholdCount=3,
            TrafficDialPercentage=100.0 if region == PRIMARY else 0.0,
        )
        groups[region] = created["EndpointGroupArn"]
        assert groups[region].startswith(listener_arn + "/endpoint-group/")
        assert _deployed(ga, accelerator_arn)["seen"] == ["IN_PROGRESS", "DEPLOYED"]

    described = ga.describe_endpoint_group(EndpointGroupArn=groups[SECONDARY])["EndpointGroup"]
    assert described["EndpointGroupRegion"] == SECONDARY
    assert described["TrafficDialPercentage"] == 0.0
    assert (described["HealthCheckPort"], described["HealthCheckProtocol"]) == (443, "TCP")
    assert (described["HealthCheckIntervalSeconds"], described["ThresholdCount"]) == (30, 3)
    assert described["EndpointDescriptions"] == [
        {
            "EndpointId": nlbs[SECONDARY],
            "Weight": 100,
            "HealthState": "HEALTHY",
            "ClientIPPreservationEnabled": True,
        }
    ]
    listed = ga.list_endpoint_groups(ListenerArn=listener_arn)["EndpointGroups"]
    assert sorted(g["EndpointGroupRegion"] for g in listed) == [PRIMARY, SECONDARY]
    # the provider reads cross-account attachments for every endpoint group: there are none
    assert (
        ga.list_cross_account_resources(ResourceOwnerAwsAccountId="123456789012")[
            "CrossAccountResources"
        ]
        == []
    )

    # Update: dial the secondary up, the listener to source-IP affinity
    ga.update_endpoint_group(
        EndpointGroupArn=groups[SECONDARY],
        EndpointConfigurations=[{"EndpointId": nlbs[SECONDARY], "Weight": 200}],
        TrafficDialPercentage=50.0,
        PortOverrides=[],
    )
    assert _deployed(ga, accelerator_arn)["seen"] == ["IN_PROGRESS", "DEPLOYED"]
    updated = ga.describe_endpoint_group(EndpointGroupArn=groups[SECONDARY])["EndpointGroup"]
    assert updated["TrafficDialPercentage"] == 50.0
    assert [(e["Weight"], e["HealthState"]) for e in updated["EndpointDescriptions"]] == [
        (200, "HEALTHY")
    ]
    assert updated["HealthCheckIntervalSeconds"] == 30  # settings not sent are kept
    ga.update_listener(
        ListenerArn=listener_arn,
        ClientAffinity="SOURCE_IP",
        PortRanges=[{"FromPort": 443, "ToPort": 443}],
        Protocol="TCP",
    )
    assert (
        ga.list_listeners(AcceleratorArn=accelerator_arn)["Listeners"][0]["ClientAffinity"]
        == "SOURCE_IP"
    )

    # Delete in Terraform's order: endpoint groups, listener, accelerator
    for arn in groups.values():
        ga.delete_endpoint_group(EndpointGroupArn=arn)
        _deployed(ga, accelerator_arn)
    assert refusal(lambda: ga.describe_endpoint_group(EndpointGroupArn=groups[PRIMARY]))[0] == (
        "EndpointGroupNotFoundException"
    )
    ga.delete_listener(ListenerArn=listener_arn)
    _deployed(ga, accelerator_arn)
    assert refusal(lambda: ga.describe_listener(ListenerArn=listener_arn))[0] == (
        "ListenerNotFoundException"
    )
    ga.update_accelerator(AcceleratorArn=accelerator_arn, Enabled=False)
    _deployed(ga, accelerator_arn)
    ga.delete_accelerator(AcceleratorArn=accelerator_arn)
    assert ga.list_accelerators()["Accelerators"] == []


def test_an_endpoint_that_goes_away_is_reported_unhealthy(emulator, ga, nlbs):
    listener_arn = _listener(ga, _accelerator(ga))
    group_arn = _group(ga, listener_arn, PRIMARY, nlbs[PRIMARY])["EndpointGroupArn"]
    emulator.client("elbv2", PRIMARY).delete_load_balancer(LoadBalancerArn=nlbs[PRIMARY])
    (endpoint,) = ga.describe_endpoint_group(EndpointGroupArn=group_arn)["EndpointGroup"][
        "EndpointDescriptions"
    ]
    assert endpoint["HealthState"] == "UNHEALTHY" and endpoint["HealthReason"]


def test_the_emulator_reset_forgets_accelerators(emulator, ga):
    _accelerator(ga)
    emulator.reset()
    assert ga.list_accelerators()["Accelerators"] == []


# -- where it refuses what AWS refuses --------------------------------------------------------


def test_an_accelerator_is_deleted_only_once_its_disabling_is_deployed(ga):
    arn = _accelerator(ga)
    code, status, message = refusal(lambda: ga.delete_accelerator(AcceleratorArn=arn))
    assert (code, status) == ("AcceleratorNotDisabledException", 400)
    assert arn in message
    ga.update_accelerator(AcceleratorArn=arn, Enabled=False)
    # still IN_PROGRESS: the disable has not been deployed yet
    assert refusal(lambda: ga.delete_accelerator(AcceleratorArn=arn))[0] == (
        "AcceleratorNotDisabledException"
    )
    _deployed(ga, arn)
    ga.delete_accelerator(AcceleratorArn=arn)


def test_an_accelerator_with_a_listener_is_not_deleted(ga):
    arn = _accelerator(ga)
    _listener(ga, arn)
    ga.update_accelerator(AcceleratorArn=arn, Enabled=False)
    _deployed(ga, arn)
    code, status, message = refusal(lambda: ga.delete_accelerator(AcceleratorArn=arn))
    assert (code, status) == ("AssociatedListenerFoundException", 400)
    assert message == f"Cannot delete accelerator {arn} because an associated listener was found."
    assert ga.describe_accelerator(AcceleratorArn=arn)["Accelerator"]["AcceleratorArn"] == arn


def test_a_listener_with_an_endpoint_group_is_not_deleted(ga, nlbs):
    listener_arn = _listener(ga, _accelerator(ga))
    _group(ga, listener_arn, PRIMARY, nlbs[PRIMARY])
    code, status, _ = refusal(lambda: ga.delete_listener(ListenerArn=listener_arn))
    assert (code, status) == ("AssociatedEndpointGroupFoundException", 400)
    assert ga.describe_listener(ListenerArn=listener_arn)["Listener"]["ListenerArn"]


def test_a_listener_has_one_endpoint_group_per_region(ga, nlbs):
    listener_arn = _listener(ga, _accelerator(ga))
    _group(ga, listener_arn, PRIMARY, nlbs[PRIMARY])
    code, status, _ = refusal(
        lambda: ga.create_endpoint_group(
            ListenerArn=listener_arn, EndpointGroupRegion=PRIMARY, IdempotencyToken="other"
        )
    )
    assert (code, status) == ("EndpointGroupAlreadyExistsException", 400)
    assert len(ga.list_endpoint_groups(ListenerArn=listener_arn)["EndpointGroups"]) == 1


def test_an_endpoint_must_exist_in_the_endpoint_groups_region(ga, nlbs):
    listener_arn = _listener(ga, _accelerator(ga))
    # the primary region's NLB named in the secondary region's group (provider #28536)
    code, status, message = refusal(lambda: _group(ga, listener_arn, SECONDARY, nlbs[PRIMARY]))
    assert (code, status) == ("InvalidArgumentException", 400)
    assert message == f"'{nlbs[PRIMARY]}' is not a valid load balancer ARN"
    missing = nlbs[SECONDARY][:-4] + "0000"
    assert refusal(lambda: _group(ga, listener_arn, SECONDARY, missing))[0] == (
        "InvalidArgumentException"
    )
    assert ga.list_endpoint_groups(ListenerArn=listener_arn)["EndpointGroups"] == []
    # and an update cannot swap one in either
    group_arn = _group(ga, listener_arn, SECONDARY, nlbs[SECONDARY])["EndpointGroupArn"]
    assert refusal(
        lambda: ga.update_endpoint_group(
            EndpointGroupArn=group_arn, EndpointConfigurations=[{"EndpointId": nlbs[PRIMARY]}]
        )
    )[0] == ("InvalidArgumentException")
    described = ga.describe_endpoint_group(EndpointGroupArn=group_arn)["EndpointGroup"]
    assert [e["EndpointId"] for e in described["EndpointDescriptions"]] == [nlbs[SECONDARY]]


@pytest.mark.parametrize(
    "port_ranges",
    [
        [{"FromPort": 444, "ToPort": 443}],  # reversed
        [{"FromPort": 443, "ToPort": 70000}],  # beyond 65535
        [{"FromPort": 400, "ToPort": 500}],  # overlaps the accelerator's TCP 443
        [{"FromPort": 80, "ToPort": 90}, {"FromPort": 85, "ToPort": 85}],  # overlap each other
    ],
)
def test_invalid_listener_port_ranges_are_refused(ga, port_ranges):
    arn = _accelerator(ga)
    _listener(ga, arn)
    code, status, _ = refusal(
        lambda: ga.create_listener(
            AcceleratorArn=arn, IdempotencyToken="x", PortRanges=port_ranges, Protocol="TCP"
        )
    )
    assert (code, status) == ("InvalidPortRangeException", 400)
    assert len(ga.list_listeners(AcceleratorArn=arn)["Listeners"]) == 1


@pytest.mark.parametrize(
    "settings",
    [
        {"TrafficDialPercentage": 100.5},
        {"HealthCheckIntervalSeconds": 45},
        {"ThresholdCount": 11},
        {"HealthCheckPort": 70000},
        {"HealthCheckPath": "no-leading-slash"},
    ],
)
def test_endpoint_group_settings_outside_their_ranges_are_refused(ga, nlbs, settings):
    listener_arn = _listener(ga, _accelerator(ga))
    code, status, _ = refusal(lambda: _group(ga, listener_arn, PRIMARY, nlbs[PRIMARY], **settings))
    assert (code, status) == ("InvalidArgumentException", 400)
    group_arn = _group(ga, listener_arn, PRIMARY, nlbs[PRIMARY])["EndpointGroupArn"]
    assert refusal(lambda: ga.update_endpoint_group(EndpointGroupArn=group_arn, **settings))[0] == (
        "InvalidArgumentException"
    )
    # a refused update changes nothing
    described = ga.describe_endpoint_group(EndpointGroupArn=group_arn)["EndpointGroup"]
    assert described["TrafficDialPercentage"] == 100.0
    assert described["HealthCheckIntervalSeconds"] == 30


def test_flow_logs_need_an_existing_bucket(ga):
    arn = _accelerator(ga)
    for extra in ({}, {"FlowLogsS3Bucket": "no-such-bucket", "FlowLogsS3Prefix": "p/"}):
        code, status, _ = refusal(
            lambda extra=extra: ga.update_accelerator_attributes(
                AcceleratorArn=arn, FlowLogsEnabled=True, **extra
            )
        )
        assert (code, status) == ("InvalidArgumentException", 400)
    attributes = ga.describe_accelerator_attributes(AcceleratorArn=arn)["AcceleratorAttributes"]
    assert attributes == {"FlowLogsEnabled": False}


def test_unknown_resources_answer_their_not_found_codes(ga):
    arn = _accelerator(ga)
    listener_arn = _listener(ga, arn)
    gone = arn[:-12] + "000000000000"
    assert refusal(lambda: ga.describe_accelerator(AcceleratorArn=gone))[:2] == (
        "AcceleratorNotFoundException",
        400,
    )
    assert refusal(lambda: ga.describe_accelerator_attributes(AcceleratorArn=gone))[0] == (
        "AcceleratorNotFoundException"
    )
    assert refusal(
        lambda: ga.create_listener(
            AcceleratorArn=gone,
            IdempotencyToken="x",
            PortRanges=[{"FromPort": 80, "ToPort": 80}],
            Protocol="TCP",
        )
    )[0] == ("AcceleratorNotFoundException")
    assert refusal(lambda: ga.describe_listener(ListenerArn=arn + "/listener/0000abcd"))[:2] == (
        "ListenerNotFoundException",
        400,
    )
    missing_group = listener_arn + "/endpoint-group/000000000000"
    assert refusal(lambda: ga.describe_endpoint_group(EndpointGroupArn=missing_group))[:2] == (
        "EndpointGroupNotFoundException",
        400,
    )
    assert refusal(lambda: ga.delete_endpoint_group(EndpointGroupArn=missing_group))[0] == (
        "EndpointGroupNotFoundException"
    )
