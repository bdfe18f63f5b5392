"""The local AWS emulator (tools/emulator/) against a real moto server, no mocks.

A two-region Aurora global database (us-east-1 primary, us-west-2 secondary) is built through
the RDS API the way Terraform builds it, failed over, switched back and torn down. The
failover, switchover and teardown tests fail without the patches in tools/emulator/ (checked
by disabling each patch in turn): moto 5.2.5 answers HTTP 500 to global failover/switchover,
keeps a deleted or removed us-west-2 member in the global cluster, and ignores
GlobalClusterIdentifier in DescribeGlobalClusters.

The "rds-replica" path is covered the same way: an RDS PostgreSQL primary in us-east-1 and a
cross-region read replica in us-west-2, created, promoted and deleted as the Terraform
provider and a failover drill do it. Without patches l-o, moto 5.2.5 cannot create the
replica in its own region (DBSubnetGroupNotFoundFault), keeps the source link after a
promotion, fails to delete a cross-region replica, reports no Source for DB parameters and
gives every DB instance the same DbiResourceId (each test fails with its patch disabled).

The AWS Backup path (patches p-t) is covered as the Terraform provider drives it: selections
created, read, listed and deleted; tags read with the provider's path form; a vault's
recovery points listed before it is destroyed; a plan updated in place; and a destroyed
plan's name used again. Without the patches moto 5.2.5 has no backup selections (HTTP 500),
reports no tags to the provider, answers 404 to the recovery-point listing, has no
UpdateBackupPlan and keeps a deleted plan's name taken (each test fails with its patch
disabled).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from tools.emulator import Emulator

PRIMARY, SECONDARY = "us-east-1", "us-west-2"
GLOBAL_ID = "emu-global"
PRIMARY_ID, SECONDARY_ID = "emu-primary", "emu-secondary"
INSTANCE_ID = "emu-primary-1"
ENGINE, ENGINE_VERSION = "aurora-postgresql", "15.10"


@pytest.fixture(scope="module")
def emulator():
    with Emulator() as emu:
        yield emu


@pytest.fixture()
def rds(emulator):
    """RDS clients by region, on an emulator emptied before each test."""
    emulator.reset()
    return {region: emulator.client("rds", region) for region in (PRIMARY, SECONDARY)}


@pytest.fixture()
def topology(rds):
    """Global cluster, primary with one instance, headless secondary; the two cluster ARNs."""
    rds[PRIMARY].create_global_cluster(
        GlobalClusterIdentifier=GLOBAL_ID,
        Engine=ENGINE,
        EngineVersion=ENGINE_VERSION,
        StorageEncrypted=False,
    )
    primary = rds[PRIMARY].create_db_cluster(
        DBClusterIdentifier=PRIMARY_ID,
        Engine=ENGINE,
        EngineVersion=ENGINE_VERSION,
        GlobalClusterIdentifier=GLOBAL_ID,
        MasterUsername="dbadmin",
        MasterUserPassword="not-a-real-secret",
    )["DBCluster"]
    rds[PRIMARY].create_db_instance(
        DBInstanceIdentifier=INSTANCE_ID,
        DBClusterIdentifier=PRIMARY_ID,
        Engine=ENGINE,
        DBInstanceClass="db.r6g.large",
    )
    # A secondary joins with the global cluster's identifier and no credentials of its own.
    secondary = rds[SECONDARY].create_db_cluster(
        DBClusterIdentifier=SECONDARY_ID,
        Engine=ENGINE,
        EngineVersion=ENGINE_VERSION,
        GlobalClusterIdentifier=GLOBAL_ID,
    )["DBCluster"]
    return {PRIMARY: primary["DBClusterArn"], SECONDARY: secondary["DBClusterArn"]}


def global_cluster(client) -> dict:
    found = client.describe_global_clusters(GlobalClusterIdentifier=GLOBAL_ID)["GlobalClusters"]
    assert len(found) == 1
    return found[0]


def roles(client) -> dict[str, tuple[bool, list[str]]]:
    """Each member ARN -> (IsWriter, Readers), as DescribeGlobalClusters reports it."""
    return {
        member["DBClusterArn"]: (member["IsWriter"], sorted(member["Readers"]))
        for member in global_cluster(client)["GlobalClusterMembers"]
    }


def assert_writer(rds, arns: dict[str, str], writer: str, reader: str) -> None:
    expected = {arns[writer]: (True, [arns[reader]]), arns[reader]: (False, [])}
    for region in (PRIMARY, SECONDARY):  # the same answer whichever region asks
        assert roles(rds[region]) == expected, f"as seen from {region}"
        assert global_cluster(rds[region])["Status"] == "available"


def error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return excinfo.value.response["Error"]["Code"]


def answers(endpoint: str) -> bool:
    try:
        urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).close()
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


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
    assert_writer(rds, topology, writer=PRIMARY, reader=SECONDARY)
    clusters = {
        region: rds[region].describe_db_clusters()["DBClusters"] for region in (PRIMARY, SECONDARY)
    }
    assert [c["DBClusterIdentifier"] for c in clusters[PRIMARY]] == [PRIMARY_ID]
    assert [c["DBClusterIdentifier"] for c in clusters[SECONDARY]] == [SECONDARY_ID]


def test_failover_then_switchover_moves_the_writer(rds, topology):
    answer = rds[SECONDARY].failover_global_cluster(
        GlobalClusterIdentifier=GLOBAL_ID,
        TargetDbClusterIdentifier=topology[SECONDARY],
        AllowDataLoss=True,
    )["GlobalCluster"]
    # The answer is AWS's "operation started" view; later reads show it completed.
    assert answer["GlobalClusterIdentifier"] == GLOBAL_ID
    assert answer["Status"] == "failing-over"
    assert answer["FailoverState"] == {
        "Status": "pending",
        "FromDbClusterArn": topology[PRIMARY],
        "ToDbClusterArn": topology[SECONDARY],
        "IsDataLossAllowed": True,
    }
    assert_writer(rds, topology, writer=SECONDARY, reader=PRIMARY)
    assert "FailoverState" not in global_cluster(rds[PRIMARY])

    answer = rds[PRIMARY].switchover_global_cluster(
        GlobalClusterIdentifier=GLOBAL_ID, TargetDbClusterIdentifier=topology[PRIMARY]
    )["GlobalCluster"]
    assert answer["Status"] == "switching-over"
    assert answer["FailoverState"]["IsDataLossAllowed"] is False
    assert answer["FailoverState"]["ToDbClusterArn"] == topology[PRIMARY]
    assert_writer(rds, topology, writer=PRIMARY, reader=SECONDARY)


def test_failover_without_allow_data_loss_is_a_switchover(rds, topology):
    answer = rds[PRIMARY].failover_global_cluster(
        GlobalClusterIdentifier=GLOBAL_ID,
        TargetDbClusterIdentifier=topology[SECONDARY],
        Switchover=True,
    )["GlobalCluster"]
    assert answer["Status"] == "switching-over"
    assert_writer(rds, topology, writer=SECONDARY, reader=PRIMARY)
    with pytest.raises(ClientError) as excinfo:
        rds[PRIMARY].failover_global_cluster(
            GlobalClusterIdentifier=GLOBAL_ID,
            TargetDbClusterIdentifier=topology[PRIMARY],
            AllowDataLoss=True,
            Switchover=True,
        )
    assert error_code(excinfo) == "InvalidParameterCombination"
    assert_writer(rds, topology, writer=SECONDARY, reader=PRIMARY)


def test_failover_rejects_bad_targets(rds, topology):
    lone = rds[SECONDARY].create_db_cluster(
        DBClusterIdentifier="emu-standalone",
        Engine=ENGINE,
        EngineVersion=ENGINE_VERSION,
        MasterUsername="dbadmin",
        MasterUserPassword="not-a-real-secret",
    )["DBCluster"]
    missing_arn = topology[SECONDARY].replace(SECONDARY_ID, "emu-nowhere")
    cases = [
        (GLOBAL_ID, lone["DBClusterArn"], "InvalidParameterValue"),  # exists, not a member
        (GLOBAL_ID, missing_arn, "DBClusterNotFoundFault"),
        (GLOBAL_ID, topology[PRIMARY], "InvalidGlobalClusterStateFault"),  # already writer
        ("emu-no-such-global", topology[SECONDARY], "GlobalClusterNotFoundFault"),
    ]
    for global_id, target, code in cases:
        for call, extra in (
            (rds[SECONDARY].failover_global_cluster, {"AllowDataLoss": True}),
            (rds[SECONDARY].switchover_global_cluster, {}),
        ):
            with pytest.raises(ClientError) as excinfo:
                call(GlobalClusterIdentifier=global_id, TargetDbClusterIdentifier=target, **extra)
            assert error_code(excinfo) == code, (call.__name__, target)
    assert_writer(rds, topology, writer=PRIMARY, reader=SECONDARY)


def test_identifier_targets_a_cluster_in_the_callers_region(rds, topology):
    # AWS asks for the ARN; a bare identifier can only name a cluster in the caller's region.
    rds[SECONDARY].switchover_global_cluster(
        GlobalClusterIdentifier=GLOBAL_ID, TargetDbClusterIdentifier=SECONDARY_ID
    )
    assert_writer(rds, topology, writer=SECONDARY, reader=PRIMARY)
    with pytest.raises(ClientError) as excinfo:
        rds[SECONDARY].switchover_global_cluster(
            GlobalClusterIdentifier=GLOBAL_ID, TargetDbClusterIdentifier=PRIMARY_ID
        )
    assert error_code(excinfo) == "DBClusterNotFoundFault"


def assert_nothing_left(rds) -> None:
    for region in (PRIMARY, SECONDARY):
        assert rds[region].describe_global_clusters()["GlobalClusters"] == []
        assert rds[region].describe_db_clusters()["DBClusters"] == []
        assert rds[region].describe_db_instances()["DBInstances"] == []
        with pytest.raises(ClientError) as excinfo:
            rds[region].describe_global_clusters(GlobalClusterIdentifier=GLOBAL_ID)
        assert error_code(excinfo) == "GlobalClusterNotFoundFault"


def test_teardown_after_a_round_trip_leaves_nothing(rds, topology):
    rds[SECONDARY].failover_global_cluster(
        GlobalClusterIdentifier=GLOBAL_ID,
        TargetDbClusterIdentifier=topology[SECONDARY],
        AllowDataLoss=True,
    )
    rds[PRIMARY].switchover_global_cluster(
        GlobalClusterIdentifier=GLOBAL_ID, TargetDbClusterIdentifier=topology[PRIMARY]
    )

    # The secondary goes first: AWS refuses to delete the writer's last instance while
    # another member remains (tools/emulator/rules.py, rule 2).
    rds[SECONDARY].delete_db_cluster(DBClusterIdentifier=SECONDARY_ID, SkipFinalSnapshot=True)
    # The deleted us-west-2 cluster is no longer a member of the us-east-1-stored global cluster.
    assert roles(rds[SECONDARY]) == {topology[PRIMARY]: (True, [])}
    rds[PRIMARY].delete_db_instance(DBInstanceIdentifier=INSTANCE_ID, SkipFinalSnapshot=True)
    rds[PRIMARY].delete_db_cluster(DBClusterIdentifier=PRIMARY_ID, SkipFinalSnapshot=True)
    assert global_cluster(rds[PRIMARY])["GlobalClusterMembers"] == []
    rds[PRIMARY].delete_global_cluster(GlobalClusterIdentifier=GLOBAL_ID)
    assert_nothing_left(rds)
    with pytest.raises(ClientError) as excinfo:
        rds[PRIMARY].delete_global_cluster(GlobalClusterIdentifier=GLOBAL_ID)
    assert error_code(excinfo) == "GlobalClusterNotFoundFault"


def test_terraform_style_teardown_leaves_nothing(rds, topology):
    """Terraform removes each member (by ARN, in the member's region) before deleting it;
    the writer's last instance goes once it is the only member (rule 2)."""
    for region, cluster_id in ((SECONDARY, SECONDARY_ID), (PRIMARY, PRIMARY_ID)):
        if region == PRIMARY:
            rds[PRIMARY].delete_db_instance(
                DBInstanceIdentifier=INSTANCE_ID, SkipFinalSnapshot=True
            )
        removed = rds[region].remove_from_global_cluster(
            GlobalClusterIdentifier=GLOBAL_ID, DbClusterIdentifier=topology[region]
        )
        members = [m["DBClusterArn"] for m in removed["GlobalCluster"]["GlobalClusterMembers"]]
        assert topology[region] not in members
        assert topology[region] not in roles(rds[PRIMARY])
        # The removed cluster is standalone now.
        cluster = rds[region].describe_db_clusters(DBClusterIdentifier=cluster_id)
        assert "GlobalClusterIdentifier" not in cluster["DBClusters"][0]
        rds[region].delete_db_cluster(DBClusterIdentifier=cluster_id, SkipFinalSnapshot=True)
    rds[PRIMARY].delete_global_cluster(GlobalClusterIdentifier=GLOBAL_ID)
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
    rds.create_db_cluster(
        DBClusterIdentifier="pi-cluster",
        Engine="aurora-postgresql",
        EngineVersion="15.10",
        MasterUsername="u",
        MasterUserPassword="p" * 12,
    )
    rds.create_db_instance(
        DBInstanceIdentifier="pi-instance",
        DBClusterIdentifier="pi-cluster",
        DBInstanceClass="db.r6g.large",
        Engine="aurora-postgresql",
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


# -- CloudWatch composite alarms (patch i) -------------------------------------------------

TOPIC = "arn:aws:sns:us-east-1:123456789012:dr-alerts"
COMPOSITE = "writer-unhealthy"


@pytest.fixture()
def cloudwatch(emulator):
    """A CloudWatch client, and two metric alarms for composite alarms to watch."""
    emulator.reset()
    client = emulator.client("cloudwatch", PRIMARY)
    for name in ("writer-cpu", "writer-lag"):
        client.put_metric_alarm(
            AlarmName=name,
            Namespace="AWS/RDS",
            MetricName="CPUUtilization",
            Dimensions=[{"Name": "DBClusterIdentifier", "Value": PRIMARY_ID}],
            Statistic="Average",
            Period=60,
            EvaluationPeriods=1,
            Threshold=90.0,
            ComparisonOperator="GreaterThanThreshold",
        )
    return client


def composite(client, name: str = COMPOSITE) -> dict:
    answer = client.describe_alarms(AlarmNames=[name], AlarmTypes=["CompositeAlarm"])
    assert answer["MetricAlarms"] == []
    (alarm,) = answer["CompositeAlarms"]
    return alarm


def test_composite_alarm_round_trips_as_the_terraform_provider_reads_it(cloudwatch):
    rule = "ALARM(writer-cpu) OR ALARM(writer-lag)"
    cloudwatch.put_composite_alarm(
        AlarmName=COMPOSITE,
        AlarmRule=rule,
        AlarmDescription="writer is unhealthy",
        ActionsEnabled=True,
        AlarmActions=[TOPIC],
        OKActions=[TOPIC],
        InsufficientDataActions=[],
        Tags=[{"Key": "Project", "Value": "dbdr"}],
    )
    alarm = composite(cloudwatch)
    arn = f"arn:aws:cloudwatch:{PRIMARY}:123456789012:alarm:{COMPOSITE}"
    assert {
        key: alarm[key]
        for key in (
            "AlarmName",
            "AlarmArn",
            "AlarmRule",
            "AlarmDescription",
            "ActionsEnabled",
            "AlarmActions",
            "OKActions",
            "InsufficientDataActions",
            "StateValue",
        )
    } == {
        "AlarmName": COMPOSITE,
        "AlarmArn": arn,
        "AlarmRule": rule,
        "AlarmDescription": "writer is unhealthy",
        "ActionsEnabled": True,
        "AlarmActions": [TOPIC],
        "OKActions": [TOPIC],
        "InsufficientDataActions": [],
        "StateValue": "INSUFFICIENT_DATA",
    }  # AWS: a new composite alarm's state
    assert alarm["StateReason"] and alarm["StateUpdatedTimestamp"]
    assert alarm["AlarmConfigurationUpdatedTimestamp"]

    # Without AlarmTypes AWS describes metric alarms only; each type on request.
    everything = cloudwatch.describe_alarms()
    assert everything["CompositeAlarms"] == []
    assert sorted(a["AlarmName"] for a in everything["MetricAlarms"]) == [
        "writer-cpu",
        "writer-lag",
    ]
    both = cloudwatch.describe_alarms(
        AlarmTypes=["MetricAlarm", "CompositeAlarm"], AlarmNamePrefix="writer-"
    )
    assert len(both["MetricAlarms"]) == 2 and len(both["CompositeAlarms"]) == 1
    assert (
        cloudwatch.describe_alarms(AlarmTypes=["MetricAlarm"], AlarmNames=[COMPOSITE])[
            "MetricAlarms"
        ]
        == []
    )

    def tags() -> dict[str, str]:
        found = cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"]
        return {tag["Key"]: tag["Value"] for tag in found}

    assert tags() == {"Project": "dbdr"}
    cloudwatch.tag_resource(ResourceARN=arn, Tags=[{"Key": "Environment", "Value": "t"}])
    cloudwatch.untag_resource(ResourceARN=arn, TagKeys=["Project"])
    assert tags() == {"Environment": "t"}

    cloudwatch.set_alarm_state(AlarmName=COMPOSITE, StateValue="ALARM", StateReason="drill")
    assert composite(cloudwatch)["StateValue"] == "ALARM"
    in_alarm = cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm"], StateValue="ALARM")
    assert [a["AlarmName"] for a in in_alarm["CompositeAlarms"]] == [COMPOSITE]
    assert (
        cloudwatch.describe_alarms(
            AlarmTypes=["CompositeAlarm"], AlarmNames=[COMPOSITE], StateValue="OK"
        )["CompositeAlarms"]
        == []
    )

    # An update overwrites the configuration, keeps the state and ignores Tags (AWS).
    cloudwatch.put_composite_alarm(
        AlarmName=COMPOSITE,
        AlarmRule="ALARM(writer-cpu)",
        AlarmActions=[TOPIC],
        Tags=[{"Key": "Ignored", "Value": "on-update"}],
    )
    alarm = composite(cloudwatch)
    assert (alarm["AlarmRule"], alarm["StateValue"], alarm["OKActions"]) == (
        "ALARM(writer-cpu)",
        "ALARM",
        [],
    )
    assert "AlarmDescription" not in alarm
    assert tags() == {"Environment": "t"}

    cloudwatch.delete_alarms(AlarmNames=[COMPOSITE])
    assert (
        cloudwatch.describe_alarms(AlarmNames=[COMPOSITE], AlarmTypes=["CompositeAlarm"])[
            "CompositeAlarms"
        ]
        == []
    )
    assert tags() == {}  # a deleted alarm's tags go with it


def test_composite_alarm_needs_its_alarms_and_protects_them_from_deletion(cloudwatch):
    with pytest.raises(ClientError) as excinfo:
        cloudwatch.put_composite_alarm(
            AlarmName=COMPOSITE, AlarmRule="ALARM(writer-cpu) AND ALARM(no-such-alarm)"
        )
    assert error_code(excinfo) == "ValidationError"
    assert "no-such-alarm" in str(excinfo.value)
    assert cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm"])["CompositeAlarms"] == []

    lag_arn = f"arn:aws:cloudwatch:{PRIMARY}:123456789012:alarm:writer-lag"
    cloudwatch.put_composite_alarm(
        AlarmName=COMPOSITE, AlarmRule=f'ALARM("writer-cpu") OR OK({lag_arn})'
    )
    for doomed in (["writer-cpu"], ["writer-lag", "writer-cpu"]):
        with pytest.raises(ClientError) as excinfo:
            cloudwatch.delete_alarms(AlarmNames=doomed)
        assert error_code(excinfo) == "ValidationError"
        assert "composite alarm(s) depending on" in str(excinfo.value)
    assert len(cloudwatch.describe_alarms()["MetricAlarms"]) == 2  # nothing was deleted
    # The composite alarm first (as Terraform destroys it), then what it watched.
    cloudwatch.delete_alarms(AlarmNames=[COMPOSITE])
    cloudwatch.delete_alarms(AlarmNames=["writer-cpu", "writer-lag"])
    left = cloudwatch.describe_alarms(AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    assert (left["MetricAlarms"], left["CompositeAlarms"]) == ([], [])


def test_composite_alarm_over_the_query_protocol_the_terraform_provider_uses(emulator, cloudwatch):
    import urllib.parse
    import xml.etree.ElementTree as ElementTree

    def call(action: str, **params: str) -> ElementTree.Element:
        body = urllib.parse.urlencode({"Action": action, "Version": "2010-08-01", **params})
        request = urllib.request.Request(
            f"{emulator.endpoint}/",
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/"
                "monitoring/aws4_request, SignedHeaders=host, Signature=0",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return ElementTree.fromstring(response.read())

    call(
        "PutCompositeAlarm",
        AlarmName=COMPOSITE,
        AlarmRule="ALARM(writer-cpu)",
        ActionsEnabled="true",
        **{
            "AlarmActions.member.1": TOPIC,
            "Tags.member.1.Key": "Project",
            "Tags.member.1.Value": "dbdr",
        },
    )
    answer = call(
        "DescribeAlarms",
        **{"AlarmNames.member.1": COMPOSITE, "AlarmTypes.member.1": "CompositeAlarm"},
    )
    namespace = {"cw": "http://monitoring.amazonaws.com/doc/2010-08-01/"}
    (alarm,) = answer.findall(".//cw:CompositeAlarms/cw:member", namespace)
    assert alarm.findtext("cw:AlarmName", namespaces=namespace) == COMPOSITE
    assert alarm.findtext("cw:AlarmRule", namespaces=namespace) == "ALARM(writer-cpu)"
    assert alarm.findtext("cw:StateValue", namespaces=namespace) == "INSUFFICIENT_DATA"
    assert [a.text for a in alarm.findall("cw:AlarmActions/cw:member", namespace)] == [TOPIC]
    assert answer.findall(".//cw:MetricAlarms/cw:member", namespace) == []
    assert composite(cloudwatch)["AlarmArn"].endswith(f":alarm:{COMPOSITE}")


# -- Alarms act (patch w) -------------------------------------------------------------------


def _inbox(emulator, topic_arn: str, **attributes: str) -> str:
    """An SQS queue subscribed to the topic (with a filter policy when given)."""
    sqs = emulator.client("sqs", PRIMARY)
    url = sqs.create_queue(QueueName=f"inbox-{len(attributes)}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    emulator.client("sns", PRIMARY).subscribe(
        TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes=attributes
    )
    return url


def _received(emulator, url: str) -> list[tuple[str, dict]]:
    """(subject, notification) of every message in the queue, removing them."""
    sqs, got = emulator.client("sqs", PRIMARY), []
    for _ in range(10):  # bounded: a test sends a handful
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            break
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            body = json.loads(message["Body"])
            got.append((body.get("Subject"), json.loads(body["Message"])))
    return got


def test_a_state_change_publishes_the_alarm_notification_to_the_topics_of_that_state(
    emulator, cloudwatch
):
    topic = emulator.client("sns", PRIMARY).create_topic(Name="dr-alerts")["TopicArn"]
    inbox = _inbox(emulator, topic)
    cloudwatch.put_metric_alarm(
        AlarmName="peer-down",
        AlarmDescription="the peer cannot be reached",
        Namespace="DatabaseDR",
        MetricName="PeerConnectivityOkHighRes",
        Dimensions=[{"Name": "DBClusterIdentifier", "Value": PRIMARY_ID}],
        Statistic="Minimum",
        Period=10,
        EvaluationPeriods=2,
        Threshold=1,
        ComparisonOperator="LessThanThreshold",
        TreatMissingData="breaching",
        AlarmActions=[topic],
        OKActions=[topic],
    )

    state = cloudwatch.describe_alarms(AlarmNames=["peer-down"])["MetricAlarms"][0]["StateValue"]
    cloudwatch.set_alarm_state(AlarmName="peer-down", StateValue="ALARM", StateReason="drill")
    ((subject, note),) = _received(emulator, inbox)
    assert subject == 'ALARM: "peer-down" in US East (N. Virginia)'
    assert {
        k: note[k]
        for k in (
            "AlarmName",
            "AlarmDescription",
            "NewStateValue",
            "OldStateValue",
            "NewStateReason",
            "Region",
            "AlarmArn",
            "AlarmActions",
            "OKActions",
        )
    } == {
        "AlarmName": "peer-down",
        "AlarmDescription": "the peer cannot be reached",
        "NewStateValue": "ALARM",
        "OldStateValue": state,
        "NewStateReason": "drill",
        "Region": "US East (N. Virginia)",
        "AlarmArn": f"arn:aws:cloudwatch:{PRIMARY}:123456789012:alarm:peer-down",
        "AlarmActions": [topic],
        "OKActions": [topic],
    }
    assert note["Trigger"]["MetricName"] == "PeerConnectivityOkHighRes"
    assert note["Trigger"]["Period"] == 10

    # The same state again is no change: nothing is published (AWS acts on changes only).
    cloudwatch.set_alarm_state(AlarmName="peer-down", StateValue="ALARM", StateReason="again")
    assert _received(emulator, inbox) == []
    # OK has its own actions; INSUFFICIENT_DATA has none here.
    cloudwatch.set_alarm_state(AlarmName="peer-down", StateValue="OK", StateReason="back")
    assert [(n["OldStateValue"], n["NewStateValue"]) for _, n in _received(emulator, inbox)] == [
        ("ALARM", "OK")
    ]
    cloudwatch.set_alarm_state(
        AlarmName="peer-down", StateValue="INSUFFICIENT_DATA", StateReason="quiet"
    )
    assert _received(emulator, inbox) == []
    # Disabled actions publish nothing.
    cloudwatch.disable_alarm_actions(AlarmNames=["peer-down"])
    cloudwatch.set_alarm_state(AlarmName="peer-down", StateValue="ALARM", StateReason="off")
    assert _received(emulator, inbox) == []


def test_a_composite_alarm_follows_its_rule_and_acts(emulator, cloudwatch):
    topic = emulator.client("sns", PRIMARY).create_topic(Name="dr-alerts")["TopicArn"]
    inbox = _inbox(emulator, topic)
    cloudwatch.put_composite_alarm(
        AlarmName=COMPOSITE,
        AlarmActions=[topic],
        AlarmRule='ALARM("writer-cpu") OR ALARM(writer-lag)',
    )
    assert composite(cloudwatch)["StateValue"] == "INSUFFICIENT_DATA"  # until a child changes
    cloudwatch.set_alarm_state(
        AlarmName="writer-cpu", StateValue="INSUFFICIENT_DATA", StateReason="t"
    )
    assert composite(cloudwatch)["StateValue"] == "OK"  # neither child is in ALARM
    cloudwatch.set_alarm_state(AlarmName="writer-lag", StateValue="ALARM", StateReason="t")
    assert composite(cloudwatch)["StateValue"] == "ALARM"
    ((subject, note),) = _received(emulator, inbox)  # the composite's; children have none
    assert (note["AlarmName"], note["NewStateValue"], note["OldStateValue"]) == (
        COMPOSITE,
        "ALARM",
        "OK",
    )
    assert note["AlarmRule"] == 'ALARM("writer-cpu") OR ALARM(writer-lag)'
    assert subject.startswith(f'ALARM: "{COMPOSITE}"')
    cloudwatch.set_alarm_state(AlarmName="writer-lag", StateValue="OK", StateReason="t")
    assert composite(cloudwatch)["StateValue"] == "OK"


@pytest.mark.parametrize(
    "rule, states, expected",
    [
        ("ALARM(a) OR ALARM(b)", {"a": "OK", "b": "ALARM"}, True),
        ("ALARM(a) AND ALARM(b)", {"a": "OK", "b": "ALARM"}, False),
        ("ALARM(a) OR ALARM(b) AND OK(c)", {"a": "ALARM", "b": "OK", "c": "ALARM"}, True),
        ("(ALARM(a) OR ALARM(b)) AND OK(c)", {"a": "ALARM", "b": "OK", "c": "ALARM"}, False),
        ('NOT ALARM("a") AND TRUE', {"a": "OK"}, True),
        ("INSUFFICIENT_DATA(a) OR FALSE", {"a": "INSUFFICIENT_DATA"}, True),
        ("ALARM(missing)", {}, None),
        ("AT_LEAST(1, ALARM, (a, b))", {"a": "ALARM", "b": "OK"}, None),
    ],
)
def test_alarm_rules_evaluate_with_not_before_and_before_or(rule, states, expected):
    from tools.emulator import _evaluate_alarm_rule

    assert _evaluate_alarm_rule(rule, states.get) is expected


def test_a_lambda_subscription_is_delivered_when_its_filter_matches(emulator, cloudwatch):
    from tools.emulator import lambda_deliveries

    sns = emulator.client("sns", PRIMARY)
    topic = sns.create_topic(Name="dr-alerts")["TopicArn"]
    function = f"arn:aws:lambda:{PRIMARY}:123456789012:function:orchestrator"
    subscription = sns.subscribe(
        TopicArn=topic,
        Protocol="lambda",
        Endpoint=function,
        ReturnSubscriptionArn=True,
        Attributes={
            "FilterPolicyScope": "MessageBody",
            "FilterPolicy": json.dumps({"AlarmName": ["writer-cpu"], "NewStateValue": ["ALARM"]}),
        },
    )["SubscriptionArn"]
    for name in ("writer-cpu", "writer-lag"):
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            Namespace="AWS/RDS",
            MetricName="CPUUtilization",
            Statistic="Average",
            Period=60,
            EvaluationPeriods=1,
            Threshold=90.0,
            ComparisonOperator="GreaterThanThreshold",
            AlarmActions=[topic],
            OKActions=[topic],
        )
    lambda_deliveries()
    cloudwatch.set_alarm_state(AlarmName="writer-lag", StateValue="ALARM", StateReason="t")
    cloudwatch.set_alarm_state(AlarmName="writer-cpu", StateValue="OK", StateReason="t")
    assert lambda_deliveries(function) == []  # neither matches the filter
    cloudwatch.set_alarm_state(AlarmName="writer-cpu", StateValue="ALARM", StateReason="t")
    (delivery,) = lambda_deliveries(function)
    (record,) = delivery["event"]["Records"]
    assert (record["EventSource"], record["EventSubscriptionArn"]) == ("aws:sns", subscription)
    assert record["Sns"]["TopicArn"] == topic
    assert json.loads(record["Sns"]["Message"])["AlarmName"] == "writer-cpu"
    assert lambda_deliveries(function) == []  # taken once


# -- Lambda dead-letter queues (patch j) and security group rule descriptions (patch k) ------


def _zip_with_handler() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 'ok'\n")
    return buffer.getvalue()


def test_lambda_function_keeps_its_dead_letter_queue_and_updated_settings(emulator):
    emulator.reset()
    role = emulator.client("iam").create_role(
        RoleName="fn-role",
        AssumeRolePolicyDocument='{"Version": "2012-10-17", "Statement": '
        '[{"Effect": "Allow", "Action": "sts:AssumeRole", '
        '"Principal": {"Service": "lambda.amazonaws.com"}}]}',
    )["Role"]["Arn"]
    sqs = emulator.client("sqs")
    queues = [
        sqs.get_queue_attributes(
            QueueUrl=sqs.create_queue(QueueName=name)["QueueUrl"], AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        for name in ("dlq-1", "dlq-2")
    ]
    key = emulator.client("kms").create_key()["KeyMetadata"]["Arn"]
    lam = emulator.client("lambda")
    created = lam.create_function(
        FunctionName="fn",
        Role=role,
        Runtime="python3.12",
        Handler="index.handler",
        Code={"ZipFile": _zip_with_handler()},
        DeadLetterConfig={"TargetArn": queues[0]},
        TracingConfig={"Mode": "Active"},
        KMSKeyArn=key,
        Environment={"Variables": {"STAGE": "test"}},
    )
    assert created["DeadLetterConfig"] == {"TargetArn": queues[0]}
    lam.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=1)

    config = lam.get_function_configuration(FunctionName="fn")
    assert config["DeadLetterConfig"]["TargetArn"] == queues[0]
    assert (config["TracingConfig"], config["KMSKeyArn"], config["Environment"]) == (
        {"Mode": "Active"},
        key,
        {"Variables": {"STAGE": "test"}},
    )
    function = lam.get_function(FunctionName="fn")  # what the Terraform provider reads
    assert function["Configuration"]["DeadLetterConfig"] == {"TargetArn": queues[0]}
    assert function["Concurrency"] == {"ReservedConcurrentExecutions": 1}
    (listed,) = lam.list_functions()["Functions"]
    assert listed["DeadLetterConfig"] == {"TargetArn": queues[0]}

    updated = lam.update_function_configuration(
        FunctionName="fn",
        DeadLetterConfig={"TargetArn": queues[1]},
        TracingConfig={"Mode": "PassThrough"},
        KMSKeyArn="",
    )
    assert updated["DeadLetterConfig"] == {"TargetArn": queues[1]}
    config = lam.get_function_configuration(FunctionName="fn")
    assert config["DeadLetterConfig"] == {"TargetArn": queues[1]}
    assert config["TracingConfig"] == {"Mode": "PassThrough"}
    assert not config.get("KMSKeyArn")  # back to the AWS managed key
    # An empty target removes the dead-letter queue (as the provider does for a removed block).
    lam.update_function_configuration(FunctionName="fn", DeadLetterConfig={"TargetArn": ""})
    assert "DeadLetterConfig" not in lam.get_function_configuration(FunctionName="fn")

    lam.create_function(
        FunctionName="plain",
        Role=role,
        Runtime="python3.12",
        Handler="index.handler",
        Code={"ZipFile": _zip_with_handler()},
    )
    assert "DeadLetterConfig" not in lam.get_function_configuration(FunctionName="plain")


def test_rule_referencing_a_group_reports_the_group_and_its_description(emulator):
    emulator.reset()
    ec2 = emulator.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    target, source, other = (
        ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
        for name in ("db", "app", "ops")
    )
    # As the Terraform provider creates aws_vpc_security_group_ingress_rule: one permission.
    (created,) = ec2.authorize_security_group_ingress(
        GroupId=target,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "UserIdGroupPairs": [{"GroupId": source, "Description": "postgres from app"}],
            }
        ],
    )["SecurityGroupRules"]
    ec2.authorize_security_group_ingress(
        GroupId=target,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "https from vpc"}],
            }
        ],
    )

    def rules() -> dict[str, dict]:
        found = ec2.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [target]}]
        )["SecurityGroupRules"]
        return {rule["SecurityGroupRuleId"]: rule for rule in found if not rule["IsEgress"]}

    rule = ec2.describe_security_group_rules(SecurityGroupRuleIds=[created["SecurityGroupRuleId"]])[
        "SecurityGroupRules"
    ][0]
    assert rule["ReferencedGroupInfo"]["GroupId"] == source
    assert rule["ReferencedGroupInfo"]["UserId"] == "123456789012"
    assert rule["Description"] == "postgres from app"
    assert "CidrIpv4" not in rule
    by_cidr = [r for r in rules().values() if r.get("CidrIpv4") == "10.0.0.0/8"]
    assert [r["Description"] for r in by_cidr] == ["https from vpc"]
    assert "ReferencedGroupInfo" not in by_cidr[0]

    # The provider's update: ModifySecurityGroupRules with the whole rule.
    ec2.modify_security_group_rules(
        GroupId=target,
        SecurityGroupRules=[
            {
                "SecurityGroupRuleId": created["SecurityGroupRuleId"],
                "SecurityGroupRule": {
                    "IpProtocol": "tcp",
                    "FromPort": 5432,
                    "ToPort": 5432,
                    "ReferencedGroupId": other,
                    "Description": "postgres from ops",
                },
            }
        ],
    )
    rule = rules()[created["SecurityGroupRuleId"]]
    assert (rule["ReferencedGroupInfo"]["GroupId"], rule["Description"]) == (
        other,
        "postgres from ops",
    )
    (group,) = ec2.describe_security_groups(GroupIds=[target])["SecurityGroups"]
    pairs = [
        pair for permission in group["IpPermissions"] for pair in permission["UserIdGroupPairs"]
    ]
    assert [(p["GroupId"], p["Description"]) for p in pairs] == [(other, "postgres from ops")]
    with pytest.raises(ClientError) as excinfo:
        ec2.modify_security_group_rules(
            GroupId=target,
            SecurityGroupRules=[
                {
                    "SecurityGroupRuleId": created["SecurityGroupRuleId"],
                    "SecurityGroupRule": {
                        "IpProtocol": "tcp",
                        "FromPort": 5432,
                        "ToPort": 5432,
                        "ReferencedGroupId": "sg-00000000000000000",
                    },
                }
            ],
        )
    assert error_code(excinfo) == "InvalidGroup.NotFound"


# -- RDS DB instance read replicas across regions (patches l, m) and parameter groups (n) --

PG_PRIMARY, PG_REPLICA = "pg-primary", "pg-replica"


@pytest.fixture()
def pg_pair(emulator):
    """An encrypted PostgreSQL 15 Multi-AZ primary in us-east-1 (backups on, Performance
    Insights, log exports) and, in us-west-2, the network, KMS key and parameter group of
    its cross-region replica; created as the Terraform provider creates them."""
    emulator.reset()
    rds = {region: emulator.client("rds", region) for region in (PRIMARY, SECONDARY)}
    keys = {
        region: emulator.client("kms", region).create_key()["KeyMetadata"]["Arn"]
        for region in (PRIMARY, SECONDARY)
    }
    ec2 = emulator.client("ec2", SECONDARY)
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.40.{i}.0/24", AvailabilityZone=f"{SECONDARY}{zone}"
        )["Subnet"]["SubnetId"]
        for i, zone in ((1, "a"), (2, "b"))
    ]
    group = ec2.create_security_group(GroupName="pg-replica", Description="replica", VpcId=vpc)[
        "GroupId"
    ]
    rds[SECONDARY].create_db_subnet_group(
        DBSubnetGroupName="pg-replica", DBSubnetGroupDescription="replica", SubnetIds=subnets
    )
    rds[SECONDARY].create_db_parameter_group(
        DBParameterGroupName="pg-replica-pg15",
        DBParameterGroupFamily="postgres15",
        Description="replica",
    )
    primary = rds[PRIMARY].create_db_instance(
        DBInstanceIdentifier=PG_PRIMARY,
        Engine="postgres",
        EngineVersion="15.12",
        DBInstanceClass="db.r6g.large",
        AllocatedStorage=100,
        MaxAllocatedStorage=500,
        StorageType="gp3",
        StorageEncrypted=True,
        KmsKeyId=keys[PRIMARY],
        MultiAZ=True,
        MasterUsername="dbadmin",
        MasterUserPassword="not-a-real-secret",
        DBName="appdb",
        BackupRetentionPeriod=7,
        EnablePerformanceInsights=True,
        PerformanceInsightsKMSKeyId=keys[PRIMARY],
        PerformanceInsightsRetentionPeriod=7,
        EnableCloudwatchLogsExports=["postgresql", "upgrade"],
        EnableIAMDatabaseAuthentication=True,
    )["DBInstance"]
    return {
        "rds": rds,
        "keys": keys,
        "vpc": vpc,
        "security_group": group,
        "primary_arn": primary["DBInstanceArn"],
    }


def create_cross_region_replica(pair, **overrides) -> dict:
    """The replica as the Terraform provider (5.100.0) asks for it."""
    arguments = dict(
        DBInstanceIdentifier=PG_REPLICA,
        SourceDBInstanceIdentifier=pair["primary_arn"],
        DBInstanceClass="db.r6g.large",
        MultiAZ=True,
        KmsKeyId=pair["keys"][SECONDARY],
        DBSubnetGroupName="pg-replica",
        VpcSecurityGroupIds=[pair["security_group"]],
        DBParameterGroupName="pg-replica-pg15",
        EnablePerformanceInsights=True,
        PerformanceInsightsKMSKeyId=pair["keys"][SECONDARY],
        PerformanceInsightsRetentionPeriod=7,
        EnableCloudwatchLogsExports=["postgresql"],
        SourceRegion=PRIMARY,
    )
    arguments.update(overrides)
    return pair["rds"][SECONDARY].create_db_instance_read_replica(**arguments)["DBInstance"]


def instance(client, identifier: str) -> dict:
    (found,) = client.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"]
    return found


def test_cross_region_read_replica_is_a_new_instance_in_its_own_region(pg_pair):
    rds, keys = pg_pair["rds"], pg_pair["keys"]
    answer = create_cross_region_replica(pg_pair)
    # Backups start disabled on a new replica (the provider then sets them with Modify).
    assert answer["BackupRetentionPeriod"] == 0
    replica = instance(rds[SECONDARY], PG_REPLICA)
    primary = instance(rds[PRIMARY], PG_PRIMARY)
    assert replica["ReadReplicaSourceDBInstanceIdentifier"] == pg_pair["primary_arn"]
    assert primary["ReadReplicaDBInstanceIdentifiers"] == [replica["DBInstanceArn"]]
    assert replica["DBInstanceArn"].split(":")[3] == SECONDARY
    assert replica["AvailabilityZone"].startswith(SECONDARY)
    assert replica["DBSubnetGroup"]["VpcId"] == pg_pair["vpc"]
    assert [g["VpcSecurityGroupId"] for g in replica["VpcSecurityGroups"]] == [
        pg_pair["security_group"]
    ]
    assert [g["DBParameterGroupName"] for g in replica["DBParameterGroups"]] == ["pg-replica-pg15"]
    # Inherited from the source: engine, storage, encryption (with this region's key).
    assert (
        replica["Engine"],
        replica["EngineVersion"],
        replica["AllocatedStorage"],
        replica["StorageType"],
        replica["MasterUsername"],
    ) == ("postgres", "15.12", 100, "gp3", "dbadmin")
    assert (replica["StorageEncrypted"], replica["KmsKeyId"]) == (True, keys[SECONDARY])
    # The call's own settings, not the source's.
    assert (replica["PerformanceInsightsEnabled"], replica["PerformanceInsightsKMSKeyId"]) == (
        True,
        keys[SECONDARY],
    )
    assert replica["EnabledCloudwatchLogsExports"] == ["postgresql"]
    assert replica["IAMDatabaseAuthenticationEnabled"] is False
    assert replica["MultiAZ"] is True
    # The source is untouched.
    assert primary["EnabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]
    assert (primary["KmsKeyId"], primary["PerformanceInsightsKMSKeyId"]) == (
        keys[PRIMARY],
        keys[PRIMARY],
    )
    rds[SECONDARY].modify_db_instance(
        DBInstanceIdentifier=PG_REPLICA, BackupRetentionPeriod=7, ApplyImmediately=True
    )
    assert instance(rds[SECONDARY], PG_REPLICA)["BackupRetentionPeriod"] == 7
    assert instance(rds[PRIMARY], PG_PRIMARY)["BackupRetentionPeriod"] == 7


def test_read_replica_is_refused_as_aws_refuses_it(pg_pair):
    rds = pg_pair["rds"]
    with pytest.raises(ClientError) as excinfo:  # an encrypted source needs a key over there
        create_cross_region_replica(pg_pair, KmsKeyId="")
    assert error_code(excinfo) == "InvalidParameterCombination"
    with pytest.raises(ClientError) as excinfo:
        create_cross_region_replica(
            pg_pair, SourceDBInstanceIdentifier=pg_pair["primary_arn"] + "-nowhere"
        )
    assert error_code(excinfo) == "DBInstanceNotFound"
    rds[PRIMARY].create_db_instance(
        DBInstanceIdentifier="no-backups",
        Engine="postgres",
        EngineVersion="15.12",
        DBInstanceClass="db.r6g.large",
        MasterUsername="dbadmin",
        MasterUserPassword="not-a-real-secret",
        BackupRetentionPeriod=0,
    )
    with pytest.raises(ClientError) as excinfo:  # replicas need the source's backups
        rds[PRIMARY].create_db_instance_read_replica(
            DBInstanceIdentifier="no-backups-replica", SourceDBInstanceIdentifier="no-backups"
        )
    assert error_code(excinfo) == "InvalidDBInstanceState"
    assert rds[SECONDARY].describe_db_instances()["DBInstances"] == []
    assert (
        "ReadReplicaDBInstanceIdentifiers" not in instance(rds[PRIMARY], PG_PRIMARY)
        or instance(rds[PRIMARY], PG_PRIMARY)["ReadReplicaDBInstanceIdentifiers"] == []
    )


def test_promote_read_replica_ends_replication_on_both_ends(pg_pair):
    rds = pg_pair["rds"]
    create_cross_region_replica(pg_pair)
    rds[SECONDARY].modify_db_instance(
        DBInstanceIdentifier=PG_REPLICA, BackupRetentionPeriod=7, ApplyImmediately=True
    )
    rds[SECONDARY].promote_read_replica(DBInstanceIdentifier=PG_REPLICA)
    promoted = instance(rds[SECONDARY], PG_REPLICA)
    assert "ReadReplicaSourceDBInstanceIdentifier" not in promoted
    assert not instance(rds[PRIMARY], PG_PRIMARY).get("ReadReplicaDBInstanceIdentifiers")
    assert promoted["BackupRetentionPeriod"] == 7  # backups already on: kept
    assert promoted["KmsKeyId"] == pg_pair["keys"][SECONDARY]
    with pytest.raises(ClientError) as excinfo:  # no longer a replica
        rds[SECONDARY].promote_read_replica(DBInstanceIdentifier=PG_REPLICA)
    assert error_code(excinfo) == "InvalidDBInstanceState"
    with pytest.raises(ClientError) as excinfo:
        rds[SECONDARY].promote_read_replica(DBInstanceIdentifier="pg-nowhere")
    assert error_code(excinfo) == "DBInstanceNotFound"
    # Both are standalone now: each can be deleted on its own.
    rds[PRIMARY].delete_db_instance(DBInstanceIdentifier=PG_PRIMARY, SkipFinalSnapshot=True)
    rds[SECONDARY].delete_db_instance(DBInstanceIdentifier=PG_REPLICA, SkipFinalSnapshot=True)
    assert rds[SECONDARY].describe_db_instances()["DBInstances"] == []


def test_promotion_sets_the_backups_it_is_given_or_the_default(pg_pair):
    rds = pg_pair["rds"]
    create_cross_region_replica(pg_pair)  # backups off (0), never modified
    rds[SECONDARY].promote_read_replica(DBInstanceIdentifier=PG_REPLICA)
    assert instance(rds[SECONDARY], PG_REPLICA)["BackupRetentionPeriod"] == 1
    create_cross_region_replica(pg_pair, DBInstanceIdentifier="pg-replica-2")
    rds[SECONDARY].promote_read_replica(
        DBInstanceIdentifier="pg-replica-2",
        BackupRetentionPeriod=14,
        PreferredBackupWindow="02:00-02:30",
    )
    promoted = instance(rds[SECONDARY], "pg-replica-2")
    assert (promoted["BackupRetentionPeriod"], promoted["PreferredBackupWindow"]) == (
        14,
        "02:00-02:30",
    )


def test_deleting_replicas_and_sources_keeps_the_links_consistent(pg_pair):
    rds = pg_pair["rds"]
    replica_arn = create_cross_region_replica(pg_pair)["DBInstanceArn"]
    rds[PRIMARY].create_db_instance_read_replica(
        DBInstanceIdentifier="pg-local-replica", SourceDBInstanceIdentifier=PG_PRIMARY
    )
    # A same-region replica is listed by identifier, a cross-region one by ARN.
    assert instance(rds[PRIMARY], PG_PRIMARY)["ReadReplicaDBInstanceIdentifiers"] == [
        replica_arn,
        "pg-local-replica",
    ]
    local = instance(rds[PRIMARY], "pg-local-replica")
    assert local["ReadReplicaSourceDBInstanceIdentifier"] == PG_PRIMARY
    assert local["KmsKeyId"] == pg_pair["keys"][PRIMARY]  # same region: the source's key

    rds[SECONDARY].delete_db_instance(DBInstanceIdentifier=PG_REPLICA, SkipFinalSnapshot=True)
    assert instance(rds[PRIMARY], PG_PRIMARY)["ReadReplicaDBInstanceIdentifiers"] == [
        "pg-local-replica"
    ]
    with pytest.raises(ClientError) as excinfo:
        instance(rds[SECONDARY], PG_REPLICA)
    assert error_code(excinfo) == "DBInstanceNotFound"

    # Deleting the source promotes its remaining replica, which can then be deleted.
    rds[PRIMARY].delete_db_instance(DBInstanceIdentifier=PG_PRIMARY, SkipFinalSnapshot=True)
    assert "ReadReplicaSourceDBInstanceIdentifier" not in instance(rds[PRIMARY], "pg-local-replica")
    rds[PRIMARY].delete_db_instance(DBInstanceIdentifier="pg-local-replica", SkipFinalSnapshot=True)
    for region in (PRIMARY, SECONDARY):
        assert rds[region].describe_db_instances()["DBInstances"] == []


def test_db_parameter_group_reports_user_parameters_and_resets_them(emulator):
    emulator.reset()
    rds = emulator.client("rds", PRIMARY)
    rds.create_db_parameter_group(
        DBParameterGroupName="pg15", Description="pg", DBParameterGroupFamily="postgres15"
    )
    for name, value, method in (
        ("log_statement", "all", "immediate"),
        ("rds.force_ssl", "1", "pending-reboot"),
    ):
        rds.modify_db_parameter_group(
            DBParameterGroupName="pg15",
            Parameters=[{"ParameterName": name, "ParameterValue": value, "ApplyMethod": method}],
        )

    def parameters(**source: str) -> dict[str, tuple]:
        found = rds.describe_db_parameters(DBParameterGroupName="pg15", **source)["Parameters"]
        return {
            p["ParameterName"]: (p["ParameterValue"], p["ApplyMethod"], p["Source"]) for p in found
        }

    expected = {
        "log_statement": ("all", "immediate", "user"),
        "rds.force_ssl": ("1", "pending-reboot", "user"),
    }
    assert parameters() == expected
    assert parameters(Source="user") == expected
    assert parameters(Source="engine-default") == {}
    rds.reset_db_parameter_group(
        DBParameterGroupName="pg15",
        Parameters=[{"ParameterName": "log_statement", "ApplyMethod": "immediate"}],
    )
    assert parameters(Source="user") == {"rds.force_ssl": ("1", "pending-reboot", "user")}
    rds.reset_db_parameter_group(DBParameterGroupName="pg15", ResetAllParameters=True)
    assert parameters(Source="user") == {}
    with pytest.raises(ClientError) as excinfo:
        rds.describe_db_parameters(DBParameterGroupName="pg-nowhere")
    assert error_code(excinfo) == "DBParameterGroupNotFound"


def test_each_db_instance_has_its_own_resource_id(pg_pair):
    rds = pg_pair["rds"]
    create_cross_region_replica(pg_pair)
    rds[PRIMARY].create_db_instance_read_replica(
        DBInstanceIdentifier="pg-local-replica", SourceDBInstanceIdentifier=PG_PRIMARY
    )
    ids = {
        identifier: instance(rds[region], identifier)["DbiResourceId"]
        for region, identifier in (
            (PRIMARY, PG_PRIMARY),
            (SECONDARY, PG_REPLICA),
            (PRIMARY, "pg-local-replica"),
        )
    }
    assert len(set(ids.values())) == 3
    assert all(re.fullmatch(r"db-[A-Z0-9]{26}", value) for value in ids.values())
    # How the Terraform provider reads an aws_db_instance back: by its resource ID.
    found = rds[PRIMARY].describe_db_instances(
        Filters=[{"Name": "dbi-resource-id", "Values": [ids[PG_PRIMARY]]}]
    )["DBInstances"]
    assert [db["DBInstanceIdentifier"] for db in found] == [PG_PRIMARY]


# -- AWS Backup (patches p-t) ------------------------------------------------------------

ROLE_ARN = "arn:aws:iam::123456789012:role/dr-backup"
DB_ARN = "arn:aws:rds:us-east-1:123456789012:db:dr-pg-primary"
COPY_VAULT_ARN = "arn:aws:backup:us-west-2:123456789012:backup-vault:dr-vault-us-west-2"


def backup_rule(delete_after: int = 35) -> dict:
    """A daily rule with a cross-region copy, as aws_backup_plan sends it."""
    return {
        "RuleName": "daily",
        "TargetBackupVaultName": "dr-vault",
        "ScheduleExpression": "cron(0 5 * * ? *)",
        "ScheduleExpressionTimezone": "Etc/UTC",
        "StartWindowMinutes": 60,
        "CompletionWindowMinutes": 180,
        "EnableContinuousBackup": False,
        "Lifecycle": {"DeleteAfterDays": delete_after},
        "CopyActions": [
            {
                "DestinationBackupVaultArn": COPY_VAULT_ARN,
                "Lifecycle": {"DeleteAfterDays": delete_after},
            }
        ],
    }


@pytest.fixture()
def backup(emulator):
    """A us-east-1 Backup client with a vault and a plan, on an emptied emulator."""
    emulator.reset()
    client = emulator.client("backup", PRIMARY)
    client.create_backup_vault(BackupVaultName="dr-vault")
    plan = client.create_backup_plan(
        BackupPlan={"BackupPlanName": "dr-backup-plan", "Rules": [backup_rule()]}
    )
    return {"client": client, "plan_id": plan["BackupPlanId"]}


def test_backup_selection_round_trips_as_the_terraform_provider_uses_it(backup):
    client, plan_id = backup["client"], backup["plan_id"]
    # What aws_backup_selection sends for `resources = [ARN]`: empty tags, conditions and
    # exclusions included.
    created = client.create_backup_selection(
        BackupPlanId=plan_id,
        CreatorRequestId="request-1",
        BackupSelection={
            "SelectionName": "dr-selection",
            "IamRoleArn": ROLE_ARN,
            "Resources": [DB_ARN],
            "ListOfTags": [],
            "NotResources": [],
            "Conditions": {},
        },
    )
    selection_id = created["SelectionId"]
    assert created["BackupPlanId"] == plan_id and created["CreationDate"]

    found = client.get_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)
    assert found["BackupSelection"] == {
        "SelectionName": "dr-selection",
        "IamRoleArn": ROLE_ARN,
        "Resources": [DB_ARN],
        "ListOfTags": [],
        "NotResources": [],
        "Conditions": {
            "StringEquals": [],
            "StringNotEquals": [],
            "StringLike": [],
            "StringNotLike": [],
        },
    }
    assert (found["SelectionId"], found["BackupPlanId"]) == (selection_id, plan_id)
    assert found["CreationDate"] == created["CreationDate"]
    assert found["CreatorRequestId"] == "request-1"

    tagged = client.create_backup_selection(
        BackupPlanId=plan_id,
        BackupSelection={
            "SelectionName": "by-tag",
            "IamRoleArn": ROLE_ARN,
            "ListOfTags": [
                {"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "yes"}
            ],
        },
    )
    listed = client.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
    assert {
        (s["SelectionId"], s["SelectionName"], s["BackupPlanId"], s["IamRoleArn"]) for s in listed
    } == {
        (selection_id, "dr-selection", plan_id, ROLE_ARN),
        (tagged["SelectionId"], "by-tag", plan_id, ROLE_ARN),
    }
    first = client.list_backup_selections(BackupPlanId=plan_id, MaxResults=1)
    second = client.list_backup_selections(BackupPlanId=plan_id, NextToken=first["NextToken"])
    assert len(first["BackupSelectionsList"]) == len(second["BackupSelectionsList"]) == 1
    assert "NextToken" not in second

    # A plan with selections cannot be deleted (the provider retries on this message).
    with pytest.raises(ClientError) as excinfo:
        client.delete_backup_plan(BackupPlanId=plan_id)
    assert error_code(excinfo) == "InvalidRequestException"
    assert "Related backup plan selections must be deleted prior to backup" in str(excinfo.value)
    for selection in (selection_id, tagged["SelectionId"]):
        client.delete_backup_selection(BackupPlanId=plan_id, SelectionId=selection)
    assert client.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"] == []
    with pytest.raises(ClientError) as excinfo:  # Terraform's read after a delete: "gone"
        client.get_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)
    assert error_code(excinfo) == "ResourceNotFoundException"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    client.delete_backup_plan(BackupPlanId=plan_id)


def test_backup_selection_is_refused_as_aws_refuses_it(backup):
    client, plan_id = backup["client"], backup["plan_id"]
    with pytest.raises(ClientError) as excinfo:  # names no resource at all
        client.create_backup_selection(
            BackupPlanId=plan_id,
            BackupSelection={"SelectionName": "nothing", "IamRoleArn": ROLE_ARN},
        )
    assert error_code(excinfo) == "InvalidParameterValueException"
    unknown_plan = "00000000-0000-0000-0000-000000000000"
    calls = [
        lambda: client.create_backup_selection(
            BackupPlanId=unknown_plan,
            BackupSelection={"SelectionName": "s", "IamRoleArn": ROLE_ARN, "Resources": [DB_ARN]},
        ),
        lambda: client.get_backup_selection(BackupPlanId=unknown_plan, SelectionId="x"),
        lambda: client.list_backup_selections(BackupPlanId=unknown_plan),
        lambda: client.get_backup_selection(BackupPlanId=plan_id, SelectionId="unknown"),
        lambda: client.delete_backup_selection(BackupPlanId=plan_id, SelectionId="unknown"),
    ]
    for call in calls:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_code(excinfo) == "ResourceNotFoundException"
    client.delete_backup_plan(BackupPlanId=plan_id)  # a deleted plan takes no selection
    with pytest.raises(ClientError) as excinfo:
        client.create_backup_selection(
            BackupPlanId=plan_id,
            BackupSelection={"SelectionName": "s", "IamRoleArn": ROLE_ARN, "Resources": [DB_ARN]},
        )
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_backup_tags_are_read_without_the_trailing_slash_and_leave_with_the_vault(emulator):
    emulator.reset()
    client = emulator.client("backup", PRIMARY)

    # The Terraform provider (aws-sdk-go-v2) sends GET /tags/{arn} without the model's
    # trailing slash; boto3 sends it. Send ListTags both ways.
    go_style = emulator.client("backup", PRIMARY)

    def strip_trailing_slash(request, **_: object) -> None:
        request.url = request.url.rstrip("/")

    go_style.meta.events.register("before-sign.backup.ListTags", strip_trailing_slash)
    tags = {"Project": "dbdr", "Scenario": "backup"}
    vault_arn = client.create_backup_vault(BackupVaultName="dr-vault", BackupVaultTags=tags)[
        "BackupVaultArn"
    ]
    plan_arn = client.create_backup_plan(
        BackupPlan={"BackupPlanName": "dr-backup-plan", "Rules": [backup_rule()]},
        BackupPlanTags=tags,
    )["BackupPlanArn"]
    for arn in (vault_arn, plan_arn):
        assert client.list_tags(ResourceArn=arn)["Tags"] == tags
        assert go_style.list_tags(ResourceArn=arn)["Tags"] == tags

    client.delete_backup_vault(BackupVaultName="dr-vault")
    client.create_backup_vault(BackupVaultName="dr-vault")  # same name, same ARN
    assert go_style.list_tags(ResourceArn=vault_arn)["Tags"] == {}


def test_vault_recovery_points_are_listed_so_force_destroy_can_delete_it(emulator):
    emulator.reset()
    client = emulator.client("backup", SECONDARY)
    client.create_backup_vault(BackupVaultName="dr-vault-us-west-2")
    # What aws_backup_vault with force_destroy does: list (and delete) the recovery points,
    # then delete the vault.
    listed = client.list_recovery_points_by_backup_vault(BackupVaultName="dr-vault-us-west-2")
    assert listed["RecoveryPoints"] == []
    client.delete_backup_vault(BackupVaultName="dr-vault-us-west-2")
    assert client.list_backup_vaults()["BackupVaultList"] == []
    with pytest.raises(ClientError) as excinfo:
        client.list_recovery_points_by_backup_vault(BackupVaultName="dr-vault-us-west-2")
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_backup_plan_update_replaces_its_rules_in_a_new_version(backup):
    client, plan_id = backup["client"], backup["plan_id"]
    before = client.get_backup_plan(BackupPlanId=plan_id)
    answer = client.update_backup_plan(
        BackupPlanId=plan_id,
        BackupPlan={"BackupPlanName": "dr-backup-plan", "Rules": [backup_rule(delete_after=14)]},
    )
    assert answer["BackupPlanId"] == plan_id
    assert answer["BackupPlanArn"] == before["BackupPlanArn"]
    assert answer["VersionId"] != before["VersionId"]
    after = client.get_backup_plan(BackupPlanId=plan_id)
    assert after["VersionId"] == answer["VersionId"]
    assert after["CreationDate"] == before["CreationDate"]
    (rule,) = after["BackupPlan"]["Rules"]
    assert rule["Lifecycle"] == {"DeleteAfterDays": 14}
    assert rule["CopyActions"] == [
        {"DestinationBackupVaultArn": COPY_VAULT_ARN, "Lifecycle": {"DeleteAfterDays": 14}}
    ]
    assert (rule["StartWindowMinutes"], rule["CompletionWindowMinutes"]) == (60, 180)
    with pytest.raises(ClientError) as excinfo:
        client.update_backup_plan(
            BackupPlanId="00000000-0000-0000-0000-000000000000",
            BackupPlan={"BackupPlanName": "x", "Rules": [backup_rule()]},
        )
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_a_deleted_backup_plan_leaves_its_name_free(backup):
    client, plan_id = backup["client"], backup["plan_id"]
    document = {"BackupPlanName": "dr-backup-plan", "Rules": [backup_rule()]}
    with pytest.raises(ClientError) as excinfo:  # while it exists, moto refuses the name
        client.create_backup_plan(BackupPlan=document)
    assert error_code(excinfo) == "AlreadyExistsException"
    client.delete_backup_plan(BackupPlanId=plan_id)
    again = client.create_backup_plan(BackupPlan=document)["BackupPlanId"]  # destroy, apply
    assert again != plan_id
    assert [p["BackupPlanId"] for p in client.list_backup_plans()["BackupPlansList"]] == [again]


def test_bucket_replication_answers_the_rule_as_put(emulator):
    """u: delete-marker replication and SSE-KMS source selection come back as put."""
    emulator.reset()
    s3 = emulator.client("s3", "us-east-1")
    for name in ("repl-source", "repl-target"):
        s3.create_bucket(Bucket=name)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    rule = {
        "ID": "to-target",
        "Priority": 0,
        "Status": "Enabled",
        "Filter": {},
        "DeleteMarkerReplication": {"Status": "Enabled"},
        "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
        "Destination": {"Bucket": "arn:aws:s3:::repl-target", "StorageClass": "STANDARD"},
    }
    s3.put_bucket_replication(
        Bucket="repl-source",
        ReplicationConfiguration={
            "Role": "arn:aws:iam::123456789012:role/replication",
            "Rules": [rule],
        },
    )
    (answered,) = s3.get_bucket_replication(Bucket="repl-source")["ReplicationConfiguration"][
        "Rules"
    ]
    assert answered["DeleteMarkerReplication"] == {"Status": "Enabled"}
    assert answered["SourceSelectionCriteria"] == {"SseKmsEncryptedObjects": {"Status": "Enabled"}}
    assert answered["Destination"]["Bucket"] == "arn:aws:s3:::repl-target"


# -- strictness rules (tools/emulator/rules.py): the emulator refuses what AWS refuses ------


def _error(call) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value.response
    return (
        error["Error"]["Code"],
        error["ResponseMetadata"]["HTTPStatusCode"],
        error["Error"]["Message"],
    )


def test_rule_1_an_event_subscription_naming_a_missing_source_is_refused(emulator, rds, topology):
    # Given a subscription created before its cluster (a literal source id, no dependency)
    sns = emulator.client("sns", SECONDARY)
    topic = sns.create_topic(Name="emu-alerts")["TopicArn"]

    def subscribe(source_id):
        return rds[SECONDARY].create_event_subscription(
            SubscriptionName=f"emu-events-{source_id}",
            SnsTopicArn=topic,
            SourceType="db-cluster",
            SourceIds=[source_id],
            EventCategories=["failover"],
        )

    # Then AWS's answer, as the Terraform provider would receive it (it does not retry)
    code, status, message = _error(lambda: subscribe("emu-not-yet-created"))
    assert (code, status) == ("SourceNotFound", 404)
    assert message == "Could not find source : emu-not-yet-created"
    # and once the source exists in the region, the same call succeeds
    assert subscribe(SECONDARY_ID)["EventSubscription"]["SourceIdsList"] == [SECONDARY_ID]
    # a cluster of another region is not a source here
    assert _error(lambda: subscribe(PRIMARY_ID))[0] == "SourceNotFound"


def test_rules_2_3_the_writer_cluster_outlives_the_other_members(rds, topology):
    # Given a global database whose writer moved to the secondary region (a failover)
    rds[SECONDARY].create_db_instance(
        DBInstanceIdentifier="emu-secondary-1",
        DBClusterIdentifier=SECONDARY_ID,
        Engine=ENGINE,
        DBInstanceClass="db.r6g.large",
    )
    rds[SECONDARY].failover_global_cluster(
        GlobalClusterIdentifier=GLOBAL_ID,
        TargetDbClusterIdentifier=topology[SECONDARY],
        AllowDataLoss=True,
    )
    # When Terraform destroys in its declared order (the secondary first)
    code, status, message = _error(
        lambda: rds[SECONDARY].delete_db_instance(
            DBInstanceIdentifier="emu-secondary-1", SkipFinalSnapshot=True
        )
    )
    # Then AWS's refusal: the new writer's last instance cannot go while a member remains
    assert (code, status) == ("InvalidDBClusterStateFault", 400)
    assert message.startswith("Cannot delete the last instance of the master cluster.")
    code, _, message = _error(
        lambda: rds[SECONDARY].delete_db_cluster(
            DBClusterIdentifier=SECONDARY_ID, SkipFinalSnapshot=True
        )
    )
    assert code == "InvalidGlobalClusterStateFault"
    assert "primary member of global cluster" in message
    # The reader's last instance may go; and once the other member is detached, the
    # writer's too
    rds[PRIMARY].delete_db_instance(DBInstanceIdentifier=INSTANCE_ID, SkipFinalSnapshot=True)
    rds[PRIMARY].remove_from_global_cluster(
        GlobalClusterIdentifier=GLOBAL_ID, DbClusterIdentifier=topology[PRIMARY]
    )
    rds[SECONDARY].delete_db_instance(
        DBInstanceIdentifier="emu-secondary-1", SkipFinalSnapshot=True
    )
    assert rds[SECONDARY].describe_db_instances()["DBInstances"] == []


def _function(emu, client, name):
    import io
    import json
    import zipfile

    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam = emu.client("iam")
    try:
        role = iam.get_role(RoleName="emu-lambda")["Role"]["Arn"]
    except ClientError:
        role = iam.create_role(RoleName="emu-lambda", AssumeRolePolicyDocument=json.dumps(trust))[
            "Role"
        ]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": package.getvalue()},
    )


@pytest.mark.parametrize(
    "quota, reservations, refused_with_minimum",
    [
        (10, [1], 10),  # a new account: its whole quota of 10 is the unreserved minimum
        (1000, [450, 450, 1], 100),  # the usual quota: 100 must stay unreserved
    ],
)
def test_rule_4_reserved_concurrency_below_the_unreserved_minimum_is_refused(
    quota, reservations, refused_with_minimum
):
    with Emulator(lambda_concurrency_quota=quota) as emu:
        client = emu.client("lambda", PRIMARY)
        *granted, refused = reservations
        for i, count in enumerate(granted):
            _function(emu, client, f"emu-{i}")
            client.put_function_concurrency(
                FunctionName=f"emu-{i}", ReservedConcurrentExecutions=count
            )
        _function(emu, client, "emu-last")
        code, status, message = _error(
            lambda: client.put_function_concurrency(
                FunctionName="emu-last", ReservedConcurrentExecutions=refused
            )
        )
        assert (code, status) == ("InvalidParameterValueException", 400)
        assert message.endswith(f"below its minimum value of [{refused_with_minimum}].")


def test_patch_v_a_secret_replica_keeps_its_kms_key(emulator):
    emulator.reset()
    key = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    secrets = emulator.client("secretsmanager", PRIMARY)
    secrets.create_secret(
        Name="emu-secret",
        SecretString="{}",
        AddReplicaRegions=[{"Region": SECONDARY, "KmsKeyId": key}],
    )
    (status,) = secrets.describe_secret(SecretId="emu-secret")["ReplicationStatus"]
    assert (status["Region"], status["KmsKeyId"]) == (SECONDARY, key)
