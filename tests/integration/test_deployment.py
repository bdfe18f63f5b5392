"""What a deployed environment offers its users, read from its flat outputs."""

import pytest


def test_outputs_name_both_regions_and_the_shared_parts(outputs, regions):
    assert regions["primary"] != regions["secondary"]
    for role in ("primary", "secondary"):
        assert outputs[f"{role}_writer_endpoint"] and outputs[f"{role}_reader_endpoint"]
    assert outputs["writer_dns_name"].startswith("writer.")
    assert outputs["master_secret_arn"].startswith("arn:")


def test_the_writer_is_in_the_primary_region(outputs, aws, regions):
    if outputs["database_mode"] == "aurora-global":
        (gc,) = aws("rds").describe_global_clusters(
            GlobalClusterIdentifier=outputs["global_cluster_id"]
        )["GlobalClusters"]
        writers = [m["DBClusterArn"] for m in gc["GlobalClusterMembers"] if m["IsWriter"]]
        assert len(writers) == 1 and writers[0].split(":")[3] == regions["primary"]
        assert writers[0].endswith(":" + outputs["primary_cluster_id"])
    else:
        (replica,) = aws("rds", "secondary").describe_db_instances(
            DBInstanceIdentifier=outputs["secondary_instance_id"]
        )["DBInstances"]
        source = replica["ReadReplicaSourceDBInstanceIdentifier"]
        assert source.split(":")[3] == regions["primary"]
        assert source.endswith(":db:" + outputs["primary_instance_id"])


@pytest.mark.parametrize("role", ["primary", "secondary"])
def test_endpoints_in_outputs_are_the_databases_endpoints(outputs, aws, role):
    if outputs["database_mode"] == "aurora-global":
        (cluster,) = aws("rds", role).describe_db_clusters(
            DBClusterIdentifier=outputs[f"{role}_cluster_id"]
        )["DBClusters"]
        assert cluster["Endpoint"] == outputs[f"{role}_writer_endpoint"]
        assert cluster["ReaderEndpoint"] == outputs[f"{role}_reader_endpoint"]
        assert cluster["Status"] == "available"
    else:
        (instance,) = aws("rds", role).describe_db_instances(
            DBInstanceIdentifier=outputs[f"{role}_instance_id"]
        )["DBInstances"]
        assert instance["Endpoint"]["Address"] == outputs[f"{role}_writer_endpoint"]
        assert instance["Endpoint"]["Address"] == outputs[f"{role}_reader_endpoint"]
        assert instance["DBInstanceStatus"] == "available"


@pytest.mark.parametrize("role", ["primary", "secondary"])
def test_regional_keys_are_enabled_and_rotating(outputs, aws, role):
    kms = aws("kms", role)
    key = kms.describe_key(KeyId=outputs[f"{role}_kms_key_arn"])["KeyMetadata"]
    assert key["Enabled"] and key["KeyManager"] == "CUSTOMER"
    assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]


def test_writer_name_routes_to_the_writer(outputs, aws):
    r53 = aws("route53")
    records = r53.list_resource_record_sets(HostedZoneId=outputs["hosted_zone_id"])
    writer = {
        r.get("SetIdentifier"): r
        for r in records["ResourceRecordSets"]
        if r["Name"].rstrip(".") == outputs["writer_dns_name"]
    }
    if "global_writer_endpoint" in outputs and list(writer) == [None]:
        # One CNAME to the global writer endpoint, which Aurora moves with the writer
        assert writer[None]["ResourceRecords"] == [{"Value": outputs["global_writer_endpoint"]}]
        return
    # Failover or weighted records: the primary's, while its health check is healthy
    primary = writer["primary"]
    assert primary.get("Failover", "PRIMARY") == "PRIMARY"
    assert primary.get("Weight", 100) == 100 and writer["secondary"].get("Weight", 0) == 0
    assert primary["ResourceRecords"] == [{"Value": outputs["primary_writer_endpoint"]}]
    assert primary["HealthCheckId"] == outputs["primary_health_check_id"]
    status = r53.get_health_check_status(HealthCheckId=primary["HealthCheckId"])
    observations = status["HealthCheckObservations"]
    assert observations and all("Success" in o["StatusReport"]["Status"] for o in observations)


def test_master_secret_output_is_the_secret_in_use_and_it_is_replicated(outputs, aws, regions):
    secret = aws("secretsmanager").describe_secret(SecretId=outputs["master_secret_arn"])
    assert secret["ARN"] == outputs["master_secret_arn"]
    # The secondary region's canary reads the replica there
    assert [r["Region"] for r in secret.get("ReplicationStatus", [])] == [regions["secondary"]]
