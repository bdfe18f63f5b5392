"""Where the emulator refuses what AWS refuses (tools/emulator/rules.py)."""

from __future__ import annotations

import pytest

from support.emulator_checks import PRIMARY, SECONDARY, create_function, failover, refusal
from support.emulator_rds import create_instance
from tools.emulator import Emulator

# -- strictness rules (tools/emulator/rules.py): the emulator refuses what AWS refuses ------


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
    code, status, message = refusal(lambda: subscribe("emu-not-yet-created"))
    assert (code, status) == ("SourceNotFound", 404)
    assert message == "Could not find source : emu-not-yet-created"
    # and once the source exists in the region, the same call succeeds
    here, elsewhere = topology.cluster_ids[SECONDARY], topology.cluster_ids[PRIMARY]
    assert subscribe(here)["EventSubscription"]["SourceIdsList"] == [here]
    # a cluster of another region is not a source here
    assert refusal(lambda: subscribe(elsewhere))[0] == "SourceNotFound"


def test_rules_2_3_the_writer_cluster_outlives_the_other_members(rds, topology):
    # Given a global database whose writer moved to the secondary region (a failover)
    secondary_id = topology.cluster_ids[SECONDARY]
    create_instance(rds[SECONDARY], "emu-secondary-1", secondary_id)
    failover(rds[SECONDARY], topology.arns[SECONDARY], AllowDataLoss=True)
    # When Terraform destroys in its declared order (the secondary first)
    code, status, message = refusal(
        lambda: rds[SECONDARY].delete_db_instance(
            DBInstanceIdentifier="emu-secondary-1", SkipFinalSnapshot=True
        )
    )
    # Then AWS's refusal: the new writer's last instance cannot go while a member remains
    assert (code, status) == ("InvalidDBClusterStateFault", 400)
    assert message.startswith("Cannot delete the last instance of the master cluster.")
    code, _, message = refusal(
        lambda: rds[SECONDARY].delete_db_cluster(
            DBClusterIdentifier=secondary_id, SkipFinalSnapshot=True
        )
    )
    assert code == "InvalidGlobalClusterStateFault"
    assert "primary member of global cluster" in message
    # The reader's last instance may go; and once the other member is detached, the
    # writer's too
    rds[PRIMARY].delete_db_instance(
        DBInstanceIdentifier=topology.instance_id, SkipFinalSnapshot=True
    )
    rds[PRIMARY].remove_from_global_cluster(
        GlobalClusterIdentifier=topology.global_id, DbClusterIdentifier=topology.arns[PRIMARY]
    )
    rds[SECONDARY].delete_db_instance(
        DBInstanceIdentifier="emu-secondary-1", SkipFinalSnapshot=True
    )
    assert rds[SECONDARY].describe_db_instances()["DBInstances"] == []


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
            create_function(emu, f"emu-{i}")
            client.put_function_concurrency(
                FunctionName=f"emu-{i}", ReservedConcurrentExecutions=count
            )
        create_function(emu, "emu-last")
        code, status, message = refusal(
            lambda: client.put_function_concurrency(
                FunctionName="emu-last", ReservedConcurrentExecutions=refused
            )
        )
        assert (code, status) == ("InvalidParameterValueException", 400)
        assert message.endswith(f"below its minimum value of [{refused_with_minimum}].")


def test_rule_5_a_storage_resolution_other_than_1_or_60_is_refused(emulator):
    cloudwatch = emulator.client("cloudwatch", PRIMARY)

    def put(*resolutions):
        return cloudwatch.put_metric_data(
            Namespace="Emu/Probe",
            MetricData=[
                {"MetricName": f"m{i}", "Value": 1.0, "StorageResolution": resolution}
                for i, resolution in enumerate(resolutions)
            ],
        )

    # The canary's high-resolution datum and a standard one are stored
    put(1, 60)
    assert {m["MetricName"] for m in cloudwatch.list_metrics(Namespace="Emu/Probe")["Metrics"]} == {
        "m0",
        "m1",
    }
    # Any other resolution is refused, naming the datum, and nothing of that call is stored
    code, status, message = refusal(lambda: put(1, 5))
    assert (code, status) == ("InvalidParameterValue", 400)
    assert message == (
        "The parameter MetricData.member.2.StorageResolution must be a value in the set [ 1, 60 ]."
    )
    assert len(cloudwatch.list_metrics(Namespace="Emu/Probe")["Metrics"]) == 2


def test_patch_v_a_secret_replica_keeps_its_kms_key(emulator):
    key = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    secrets = emulator.client("secretsmanager", PRIMARY)
    secrets.create_secret(
        Name="emu-secret",
        SecretString="{}",
        AddReplicaRegions=[{"Region": SECONDARY, "KmsKeyId": key}],
    )
    (status,) = secrets.describe_secret(SecretId="emu-secret")["ReplicationStatus"]
    assert (status["Region"], status["KmsKeyId"]) == (SECONDARY, key)
