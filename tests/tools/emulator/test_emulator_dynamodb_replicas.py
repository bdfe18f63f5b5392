"""DynamoDB global tables version 2019.11.21 (tools/emulator/dynamodb_replicas.py, ga-gd) as
the provider 5.100.0 drives an ``aws_dynamodb_table`` with a ``replica`` block, as the
runtime code uses it (write in one region, read in the other), and what AWS refuses."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from support.emulator_checks import PRIMARY, SECONDARY, error_code

TABLE = "dr-app-state"
THIRD = "eu-west-1"


@pytest.fixture()
def ddb(emulator):
    """DynamoDB clients by region, on an emulator emptied before each test."""
    return {region: emulator.client("dynamodb", region) for region in (PRIMARY, SECONDARY, THIRD)}


@pytest.fixture()
def keys(emulator):
    """A customer managed key in each region: their ARNs by region."""
    return {
        region: emulator.client("kms", region).create_key(Description=f"ddb {region}")[
            "KeyMetadata"
        ]["Arn"]
        for region in (PRIMARY, SECONDARY, THIRD)
    }


def create_table(client, key_arn: str | None, **settings) -> dict:
    """The table as the provider creates it (CreateTable, then PITR on)."""
    settings.setdefault(
        "StreamSpecification", {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    )
    if key_arn:
        settings["SSESpecification"] = {
            "Enabled": True,
            "SSEType": "KMS",
            "KMSMasterKeyId": key_arn,
        }
    table = client.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        Tags=[{"Key": "project", "Value": "dr"}],
        **settings,
    )["TableDescription"]
    client.update_continuous_backups(
        TableName=TABLE,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
    )
    return table


def add_replica(client, region: str, key_arn: str | None = None) -> dict:
    create = {"RegionName": region}
    if key_arn:
        create["KMSMasterKeyId"] = key_arn
    return client.update_table(TableName=TABLE, ReplicaUpdates=[{"Create": create}])[
        "TableDescription"
    ]


def describe(client) -> dict:
    return client.describe_table(TableName=TABLE)["Table"]


@pytest.fixture()
def global_table(ddb, keys):
    """The product's table in the primary region with an ACTIVE replica in the secondary."""
    create_table(ddb[PRIMARY], keys[PRIMARY])
    add_replica(ddb[PRIMARY], SECONDARY, keys[SECONDARY])
    describe(ddb[PRIMARY])  # the read that sees CREATING
    return describe(ddb[PRIMARY])


# -- the provider's path -----------------------------------------------------------------


def test_replica_create_as_the_provider_waits_for_it(ddb, keys):
    create_table(ddb[PRIMARY], keys[PRIMARY])

    answer = add_replica(ddb[PRIMARY], SECONDARY, keys[SECONDARY])
    first, second = describe(ddb[PRIMARY]), describe(ddb[PRIMARY])

    assert answer["TableStatus"] == "UPDATING"
    assert [(r["RegionName"], r["ReplicaStatus"]) for r in answer["Replicas"]] == [
        (SECONDARY, "CREATING")
    ]
    assert first["Replicas"][0]["ReplicaStatus"] == "CREATING"
    assert second["TableStatus"] == "ACTIVE"
    assert second["GlobalTableVersion"] == "2019.11.21"
    assert second["Replicas"] == [
        {"RegionName": SECONDARY, "ReplicaStatus": "ACTIVE", "KMSMasterKeyId": keys[SECONDARY]}
    ]


def test_replica_region_has_a_table_of_its_own(ddb, keys, global_table):
    replica = describe(ddb[SECONDARY])

    assert replica["TableStatus"] == "ACTIVE"
    assert replica["TableArn"] == global_table["TableArn"].replace(PRIMARY, SECONDARY)
    assert replica["KeySchema"] == global_table["KeySchema"]
    assert replica["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert replica["SSEDescription"]["KMSMasterKeyArn"] == keys[SECONDARY]
    assert replica["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert replica["LatestStreamArn"].startswith(replica["TableArn"] + "/stream/")
    assert replica["GlobalTableVersion"] == "2019.11.21"
    assert replica["Replicas"] == [
        {"RegionName": PRIMARY, "ReplicaStatus": "ACTIVE", "KMSMasterKeyId": keys[PRIMARY]}
    ]


def test_replica_pitr_and_tags_are_set_in_its_region(ddb, global_table):
    arn = describe(ddb[SECONDARY])["TableArn"]
    before_pitr = ddb[SECONDARY].describe_continuous_backups(TableName=TABLE)
    before_tags = ddb[SECONDARY].list_tags_of_resource(ResourceArn=arn)["Tags"]

    ddb[SECONDARY].update_continuous_backups(
        TableName=TABLE,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
    )
    ddb[SECONDARY].tag_resource(ResourceArn=arn, Tags=[{"Key": "project", "Value": "dr"}])
    ddb[SECONDARY].tag_resource(ResourceArn=arn, Tags=[{"Key": "project", "Value": "dr2"}])

    pitr = ddb[SECONDARY].describe_continuous_backups(TableName=TABLE)
    status = "ContinuousBackupsDescription", "PointInTimeRecoveryDescription"
    assert before_pitr[status[0]][status[1]]["PointInTimeRecoveryStatus"] == "DISABLED"
    assert before_tags == []
    assert pitr[status[0]][status[1]]["PointInTimeRecoveryStatus"] == "ENABLED"
    assert ddb[SECONDARY].list_tags_of_resource(ResourceArn=arn)["Tags"] == [
        {"Key": "project", "Value": "dr2"}
    ]
    primary_arn = global_table["TableArn"]
    assert ddb[PRIMARY].list_tags_of_resource(ResourceArn=primary_arn)["Tags"] == [
        {"Key": "project", "Value": "dr"}
    ]


def test_replica_delete_then_table_delete_as_the_provider_destroys(ddb, global_table):
    answer = ddb[PRIMARY].update_table(
        TableName=TABLE, ReplicaUpdates=[{"Delete": {"RegionName": SECONDARY}}]
    )["TableDescription"]
    during = describe(ddb[PRIMARY])
    after = describe(ddb[PRIMARY])

    assert answer["TableStatus"] == "UPDATING"
    assert during["Replicas"][0]["ReplicaStatus"] == "DELETING"
    assert after["TableStatus"] == "ACTIVE"
    assert "Replicas" not in after and "GlobalTableVersion" not in after
    assert after["StreamSpecification"]["StreamEnabled"] is True
    with pytest.raises(ClientError) as gone:
        describe(ddb[SECONDARY])
    assert error_code(gone) == "ResourceNotFoundException"
    ddb[PRIMARY].delete_table(TableName=TABLE)
    assert ddb[PRIMARY].list_tables()["TableNames"] == []


def test_replica_gets_a_stream_when_the_table_has_none(ddb):
    create_table(ddb[PRIMARY], None, StreamSpecification={"StreamEnabled": False})

    add_replica(ddb[PRIMARY], SECONDARY)

    for region in (PRIMARY, SECONDARY):
        stream = describe(ddb[region])["StreamSpecification"]
        assert stream == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}


def test_replica_keeps_a_stream_of_another_view_type(ddb):
    keys_only = {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    create_table(ddb[PRIMARY], None, StreamSpecification=keys_only)

    add_replica(ddb[PRIMARY], SECONDARY)

    assert describe(ddb[SECONDARY])["StreamSpecification"] == keys_only


# -- replication of items (gc) ---------------------------------------------------------------


def test_items_written_in_one_region_are_read_in_the_other(ddb, global_table):
    ddb[PRIMARY].put_item(TableName=TABLE, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    ddb[SECONDARY].update_item(
        TableName=TABLE,
        Key={"pk": {"S": "a"}},
        UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"N": "2"}},
    )
    ddb[SECONDARY].put_item(TableName=TABLE, Item={"pk": {"S": "b"}})
    ddb[PRIMARY].delete_item(TableName=TABLE, Key={"pk": {"S": "b"}})

    item = ddb[PRIMARY].get_item(TableName=TABLE, Key={"pk": {"S": "a"}}, ConsistentRead=True)
    assert item["Item"] == {"pk": {"S": "a"}, "v": {"N": "2"}}
    assert ddb[SECONDARY].scan(TableName=TABLE)["Items"] == [item["Item"]]


def test_items_of_a_failed_transaction_stay_replicated(ddb, global_table):
    ddb[PRIMARY].put_item(TableName=TABLE, Item={"pk": {"S": "a"}})
    with pytest.raises(ClientError):
        ddb[PRIMARY].transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "b"}}}},
                {
                    "Put": {
                        "TableName": TABLE,
                        "Item": {"pk": {"S": "a"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    ddb[PRIMARY].put_item(TableName=TABLE, Item={"pk": {"S": "c"}})

    keys = {item["pk"]["S"] for item in ddb[SECONDARY].scan(TableName=TABLE)["Items"]}
    assert keys == {"a", "c"}


def test_each_region_stream_records_every_write(emulator, ddb, global_table):
    ddb[PRIMARY].put_item(TableName=TABLE, Item={"pk": {"S": "a"}})
    streams = emulator.client("dynamodbstreams", SECONDARY)
    arn = describe(ddb[SECONDARY])["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]

    records = streams.get_records(ShardIterator=iterator)["Records"]

    assert [(r["eventName"], r["dynamodb"]["NewImage"]) for r in records] == [
        ("INSERT", {"pk": {"S": "a"}})
    ]


# -- what AWS refuses ------------------------------------------------------------------------


def assert_refused(call, code: str, message: str) -> None:
    with pytest.raises(ClientError) as refused:
        call()
    assert error_code(refused) == code
    assert refused.value.response["Error"]["Message"] == message


def test_replica_in_the_table_own_region_is_refused(ddb, keys):
    create_table(ddb[PRIMARY], keys[PRIMARY])

    assert_refused(
        lambda: add_replica(ddb[PRIMARY], PRIMARY, keys[PRIMARY]),
        "ValidationException",
        "Cannot add or delete the local region through ReplicaUpdates. "
        "Use CreateTable, DeleteTable, or UpdateTable as required.",
    )


def test_replica_where_a_table_of_that_name_exists_is_refused(ddb, keys):
    create_table(ddb[PRIMARY], keys[PRIMARY])
    create_table(ddb[SECONDARY], keys[SECONDARY])

    assert_refused(
        lambda: add_replica(ddb[PRIMARY], SECONDARY, keys[SECONDARY]),
        "ValidationException",
        f"Failed to create a the new replica of table with name: '{TABLE}' "
        "because one or more replicas already existed as tables.",
    )
    assert "Replicas" not in describe(ddb[PRIMARY])


def test_second_create_of_a_member_is_refused(ddb, keys, global_table):
    with pytest.raises(ClientError) as refused:
        add_replica(ddb[PRIMARY], SECONDARY, keys[SECONDARY])
    assert "already existed as tables" in refused.value.response["Error"]["Message"]


def test_delete_of_a_region_that_is_no_member_is_refused(ddb, global_table):
    assert_refused(
        lambda: ddb[PRIMARY].update_table(
            TableName=TABLE, ReplicaUpdates=[{"Delete": {"RegionName": THIRD}}]
        ),
        "ValidationException",
        "Update global table operation failed because one or more replicas were not part of "
        f"the global table. Please retry the request without these replicas: [{THIRD}].",
    )


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (
            None,
            "One or more parameter values were invalid: "
            "KMSMasterKeyId must be specified for each replica.",
        ),
        (
            "primary",
            f"KMS validation error for region {SECONDARY}: "
            f"com.amazonaws.services.kms.model.NotFoundException: Invalid arn {PRIMARY}",
        ),
        (
            f"arn:aws:kms:{SECONDARY}:123456789012:key/00000000-0000-0000-0000-000000000000",
            f"KMS validation error for region {SECONDARY}: "
            "com.amazonaws.services.kms.model.NotFoundException: Key 'arn:aws:kms:"
            f"{SECONDARY}:123456789012:key/00000000-0000-0000-0000-000000000000' does not exist",
        ),
    ],
    ids=["no-key", "key-of-another-region", "unknown-key"],
)
def test_replica_of_a_cmk_table_needs_a_key_of_its_region(ddb, keys, key, message):
    create_table(ddb[PRIMARY], keys[PRIMARY])

    replica_key = keys[PRIMARY] if key == "primary" else key
    assert_refused(
        lambda: add_replica(ddb[PRIMARY], SECONDARY, replica_key),
        "ValidationException",
        message,
    )
    with pytest.raises(ClientError):
        describe(ddb[SECONDARY])


def test_updates_while_a_replica_is_created_are_refused(ddb, keys):
    create_table(ddb[PRIMARY], keys[PRIMARY])
    add_replica(ddb[PRIMARY], SECONDARY, keys[SECONDARY])
    in_use = f"Attempt to change a resource which is still in use: Table is being updated: {TABLE}"

    assert_refused(
        lambda: add_replica(ddb[PRIMARY], THIRD, keys[THIRD]), "ResourceInUseException", in_use
    )
    assert_refused(
        lambda: ddb[PRIMARY].update_table(TableName=TABLE, DeletionProtectionEnabled=True),
        "ResourceInUseException",
        in_use,
    )
    assert_refused(
        lambda: ddb[PRIMARY].delete_table(TableName=TABLE), "ResourceInUseException", in_use
    )


def test_disabling_the_stream_of_a_member_is_refused(ddb, global_table):
    assert_refused(
        lambda: ddb[SECONDARY].update_table(
            TableName=TABLE, StreamSpecification={"StreamEnabled": False}
        ),
        "ValidationException",
        "One or more parameter values were invalid: "
        "Disabling Stream is not allowed for a Global Table replica.",
    )


def test_table_that_created_a_replica_is_kept_while_the_replica_is(ddb, global_table):
    assert_refused(
        lambda: ddb[PRIMARY].delete_table(TableName=TABLE),
        "ValidationException",
        "Replica cannot be deleted because it has acted as a source region for new "
        "replica(s) being added to the table in the last 24 hours.",
    )
    assert describe(ddb[PRIMARY])["Replicas"][0]["RegionName"] == SECONDARY


def test_delete_table_of_a_replica_removes_it_from_the_global_table(ddb, global_table):
    ddb[SECONDARY].delete_table(TableName=TABLE)

    table = describe(ddb[PRIMARY])
    assert "Replicas" not in table and "GlobalTableVersion" not in table
    assert ddb[SECONDARY].list_tables()["TableNames"] == []
