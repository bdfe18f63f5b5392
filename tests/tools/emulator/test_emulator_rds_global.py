"""Aurora Global Database through the RDS API as Terraform and a failover drill use it:
membership across regions, failover, switchover, look-ups, tags, reporting and teardown
(patches a-c, g, h), and the Route 53 and IAM fixes (d-f).
Without the patches moto 5.2.5 answers HTTP 500 to global failover/switchover, keeps a
deleted or removed us-west-2 member and ignores GlobalClusterIdentifier."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from support.emulator_checks import (
    PRIMARY,
    SECONDARY,
    answers,
    assert_nothing_left,
    assert_writer,
    error_code,
    failover,
    global_cluster,
    roles,
    switchover,
)
from support.emulator_rds import CREDENTIALS, create_cluster, create_instance
from tools.emulator import Emulator


def test_emulator_serves_and_always_stops():
    with Emulator() as emu:
        endpoint = emu.endpoint
        assert endpoint.startswith("http://127.0.0.1:")
        assert emu.client("sts", PRIMARY).get_caller_identity()["Account"]
    assert not answers(endpoint)
    with pytest.raises(RuntimeError):
        emu.endpoint  # noqa: B018 - a stopped emulator has no endpoint

    # Ctrl-C inside the block still stops the server
    with pytest.raises(KeyboardInterrupt), Emulator() as emu:
        endpoint = emu.endpoint
        assert answers(endpoint)
        raise KeyboardInterrupt
    assert not answers(endpoint)


def test_primary_is_the_writer_from_both_regions(rds, topology):
    assert_writer(rds, topology.arns, writer=PRIMARY, reader=SECONDARY)
    clusters = {
        region: rds[region].describe_db_clusters()["DBClusters"] for region in (PRIMARY, SECONDARY)
    }
    for region in (PRIMARY, SECONDARY):
        assert [c["DBClusterIdentifier"] for c in clusters[region]] == [
            topology.cluster_ids[region]
        ]


def test_failover_then_switchover_moves_the_writer(rds, topology):
    answer = failover(rds[SECONDARY], topology.arns[SECONDARY], AllowDataLoss=True)
    # The answer is AWS's "operation started" view; later reads show it completed.
    assert answer["GlobalClusterIdentifier"] == topology.global_id
    assert answer["Status"] == "failing-over"
    assert answer["FailoverState"] == {
        "Status": "pending",
        "FromDbClusterArn": topology.arns[PRIMARY],
        "ToDbClusterArn": topology.arns[SECONDARY],
        "IsDataLossAllowed": True,
    }
    assert_writer(rds, topology.arns, writer=SECONDARY, reader=PRIMARY)
    assert "FailoverState" not in global_cluster(rds[PRIMARY])

    answer = switchover(rds[PRIMARY], topology.arns[PRIMARY])
    assert answer["Status"] == "switching-over"
    assert answer["FailoverState"]["IsDataLossAllowed"] is False
    assert answer["FailoverState"]["ToDbClusterArn"] == topology.arns[PRIMARY]
    assert_writer(rds, topology.arns, writer=PRIMARY, reader=SECONDARY)


def test_failover_without_allow_data_loss_is_a_switchover(rds, topology):
    answer = failover(rds[PRIMARY], topology.arns[SECONDARY], Switchover=True)
    assert answer["Status"] == "switching-over"
    assert_writer(rds, topology.arns, writer=SECONDARY, reader=PRIMARY)
    with pytest.raises(ClientError) as excinfo:
        failover(rds[PRIMARY], topology.arns[PRIMARY], AllowDataLoss=True, Switchover=True)
    assert error_code(excinfo) == "InvalidParameterCombination"
    assert_writer(rds, topology.arns, writer=SECONDARY, reader=PRIMARY)


def test_failover_rejects_bad_targets(rds, topology):
    lone = create_cluster(rds[SECONDARY], "emu-standalone", **CREDENTIALS)
    known = topology.global_id
    missing_arn = topology.arns[SECONDARY].replace(topology.cluster_ids[SECONDARY], "emu-nowhere")
    cases = [
        (known, lone["DBClusterArn"], "InvalidParameterValue"),  # exists, not a member
        (known, missing_arn, "DBClusterNotFoundFault"),
        (known, topology.arns[PRIMARY], "InvalidGlobalClusterStateFault"),  # already writer
        ("emu-no-such-global", topology.arns[SECONDARY], "GlobalClusterNotFoundFault"),
    ]
    for global_id, target, code in cases:
        for call, extra in (
            (rds[SECONDARY].failover_global_cluster, {"AllowDataLoss": True}),
            (rds[SECONDARY].switchover_global_cluster, {}),
        ):
            with pytest.raises(ClientError) as excinfo:
                call(GlobalClusterIdentifier=global_id, TargetDbClusterIdentifier=target, **extra)
            assert error_code(excinfo) == code, (call.__name__, target)
    assert_writer(rds, topology.arns, writer=PRIMARY, reader=SECONDARY)


def test_identifier_targets_a_cluster_in_the_callers_region(rds, topology):
    # AWS asks for the ARN; a bare identifier can only name a cluster in the caller's region.
    switchover(rds[SECONDARY], topology.cluster_ids[SECONDARY])
    assert_writer(rds, topology.arns, writer=SECONDARY, reader=PRIMARY)
    with pytest.raises(ClientError) as excinfo:
        switchover(rds[SECONDARY], topology.cluster_ids[PRIMARY])
    assert error_code(excinfo) == "DBClusterNotFoundFault"


def test_teardown_after_a_round_trip_leaves_nothing(rds, topology):
    failover(rds[SECONDARY], topology.arns[SECONDARY], AllowDataLoss=True)
    switchover(rds[PRIMARY], topology.arns[PRIMARY])

    # The secondary goes first: AWS refuses to delete the writer's last instance while
    # another member remains (tools/emulator/rules.py, rule 2).
    rds[SECONDARY].delete_db_cluster(
        DBClusterIdentifier=topology.cluster_ids[SECONDARY], SkipFinalSnapshot=True
    )
    # The deleted us-west-2 cluster is no longer a member of the us-east-1-stored global cluster.
    assert roles(rds[SECONDARY]) == {topology.arns[PRIMARY]: (True, [])}
    rds[PRIMARY].delete_db_instance(
        DBInstanceIdentifier=topology.instance_id, SkipFinalSnapshot=True
    )
    rds[PRIMARY].delete_db_cluster(
        DBClusterIdentifier=topology.cluster_ids[PRIMARY], SkipFinalSnapshot=True
    )
    assert global_cluster(rds[PRIMARY])["GlobalClusterMembers"] == []
    rds[PRIMARY].delete_global_cluster(GlobalClusterIdentifier=topology.global_id)
    assert_nothing_left(rds)
    with pytest.raises(ClientError) as excinfo:
        rds[PRIMARY].delete_global_cluster(GlobalClusterIdentifier=topology.global_id)
    assert error_code(excinfo) == "GlobalClusterNotFoundFault"


def test_terraform_style_teardown_leaves_nothing(rds, topology):
    """Terraform removes each member (by ARN, in the member's region) before deleting it;
    the writer's last instance goes once it is the only member (rule 2)."""
    for region in (SECONDARY, PRIMARY):
        if region == PRIMARY:
            rds[PRIMARY].delete_db_instance(
                DBInstanceIdentifier=topology.instance_id, SkipFinalSnapshot=True
            )
        removed = rds[region].remove_from_global_cluster(
            GlobalClusterIdentifier=topology.global_id, DbClusterIdentifier=topology.arns[region]
        )
        members = [m["DBClusterArn"] for m in removed["GlobalCluster"]["GlobalClusterMembers"]]
        assert topology.arns[region] not in members
        assert topology.arns[region] not in roles(rds[PRIMARY])
        # The removed cluster is standalone now.
        cluster_id = topology.cluster_ids[region]
        cluster = rds[region].describe_db_clusters(DBClusterIdentifier=cluster_id)
        assert "GlobalClusterIdentifier" not in cluster["DBClusters"][0]
        rds[region].delete_db_cluster(DBClusterIdentifier=cluster_id, SkipFinalSnapshot=True)
    rds[PRIMARY].delete_global_cluster(GlobalClusterIdentifier=topology.global_id)
    assert_nothing_left(rds)


def test_zone_created_with_a_vpc_is_private_and_accepts_a_second_vpc(emulator):
    r53 = emulator.client("route53")
    ec2 = {r: emulator.client("ec2", r) for r in ("us-east-1", "us-west-2")}
    vpcs = {
        r: ec2[r].create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        for r, cidr in (("us-east-1", "10.10.0.0/16"), ("us-west-2", "10.20.0.0/16"))
    }
    # As the Terraform provider does it: a VPC, and no HostedZoneConfig.PrivateZone.
    zone = r53.create_hosted_zone(
        Name="db-t.internal",
        CallerReference="ref-1",
        VPC={"VPCRegion": "us-east-1", "VPCId": vpcs["us-east-1"]},
    )
    zone_id = zone["HostedZone"]["Id"]
    r53.associate_vpc_with_hosted_zone(
        HostedZoneId=zone_id, VPC={"VPCRegion": "us-west-2", "VPCId": vpcs["us-west-2"]}
    )
    got = r53.get_hosted_zone(Id=zone_id)
    assert got["HostedZone"]["Config"]["PrivateZone"] is True
    assert sorted(v["VPCRegion"] for v in got["VPCs"]) == ["us-east-1", "us-west-2"]


def test_alarm_based_health_check_keeps_its_alarm_and_reports_no_probe_settings(emulator):
    r53 = emulator.client("route53")
    created = r53.create_health_check(
        CallerReference="hc-1",
        HealthCheckConfig={
            "Type": "CLOUDWATCH_METRIC",
            "InsufficientDataHealthStatus": "LastKnownStatus",
            "AlarmIdentifier": {"Region": "us-east-1", "Name": "writer-health"},
        },
    )["HealthCheck"]
    config = r53.get_health_check(HealthCheckId=created["Id"])["HealthCheck"]["HealthCheckConfig"]
    assert config["AlarmIdentifier"] == {"Region": "us-east-1", "Name": "writer-health"}
    assert config["InsufficientDataHealthStatus"] == "LastKnownStatus"
    assert not {"Port", "RequestInterval", "IPAddress"} & set(config)


def test_aws_managed_policies_exist_as_in_every_account(emulator):
    arn = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
    assert emulator.client("iam").get_policy(PolicyArn=arn)["Policy"]["Arn"] == arn


def test_global_cluster_keeps_its_tags_under_its_region_less_arn(emulator):
    rds = emulator.client("rds", "us-east-1")
    created = rds.create_global_cluster(
        GlobalClusterIdentifier="tagged-global",
        Engine="aurora-postgresql",
        EngineVersion="15.10",
        Tags=[{"Key": "Project", "Value": "dbdr"}],
    )
    arn = created["GlobalCluster"]["GlobalClusterArn"]
    assert arn.split(":")[3] == ""  # global clusters have no region in their ARN
    west = emulator.client("rds", "us-west-2")
    west.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "Environment", "Value": "t"}])
    tags = {t["Key"]: t["Value"] for t in west.list_tags_for_resource(ResourceName=arn)["TagList"]}
    assert tags == {"Project": "dbdr", "Environment": "t"}
    rds.delete_global_cluster(GlobalClusterIdentifier="tagged-global")


def test_provisioned_cluster_reports_no_serverless_scaling_and_instances_keep_insights(emulator):
    rds = emulator.client("rds", "us-east-1")
    create_cluster(rds, "pi-cluster", **CREDENTIALS)
    create_instance(
        rds,
        "pi-instance",
        "pi-cluster",
        EnablePerformanceInsights=True,
        PerformanceInsightsKMSKeyId="key-1",
        PerformanceInsightsRetentionPeriod=7,
    )
    (cluster,) = rds.describe_db_clusters(DBClusterIdentifier="pi-cluster")["DBClusters"]
    assert "ScalingConfigurationInfo" not in cluster
    (instance,) = rds.describe_db_instances(DBInstanceIdentifier="pi-instance")["DBInstances"]
    assert (
        instance["PerformanceInsightsEnabled"],
        instance["PerformanceInsightsKMSKeyId"],
        instance["PerformanceInsightsRetentionPeriod"],
    ) == (True, "key-1", 7)
    rds.delete_db_instance(DBInstanceIdentifier="pi-instance")
    rds.delete_db_cluster(DBClusterIdentifier="pi-cluster", SkipFinalSnapshot=True)
