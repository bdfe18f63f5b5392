"""The configuration replicator (dr_lambdas/config_replicator) in process, against the
emulator (moto's server) in two regions: Parameter Store and a KMS key in each.

Each test starts from an empty emulator, writes parameters in us-east-1 (the source) the
way the stack does (SecureString under the primary key), hands the handler the event
EventBridge or the schedule would deliver, and reads both regions back through the API.
"""

from __future__ import annotations

import pytest

from dr_lambdas.config_replicator import ReplicatorEnv as E
from dr_lambdas.config_replicator import handler
from tools.emulator import TEST_CREDENTIALS, Emulator

SOURCE, TARGET = "us-east-1", "us-west-2"
ACCOUNT = "123456789012"
PATH = "/dbdr/test/app"
WRITER = f"{PATH}/database/writer-dns-name"
FLAG = f"{PATH}/feature-flags/new-checkout"
# Written in both regions by EndpointParameters, which owns them: never the replicator's.
ENDPOINT = "/dbdr/test/writer-dns-name"


@pytest.fixture(scope="module")
def emulator_server():
    with Emulator() as emu:
        yield emu


@pytest.fixture()
def world(emulator_server, monkeypatch):
    """An empty emulator, a key per region, and the function's environment as the stack
    sets it; boto3 (the handler's and the test's) talks to the emulator."""
    emulator_server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulator_server.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", TEST_CREDENTIALS["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", TEST_CREDENTIALS["aws_secret_access_key"])
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return World(emulator_server, monkeypatch)


class World:
    def __init__(self, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
        self.ssm = {r: emulator.client("ssm", r) for r in (SOURCE, TARGET)}
        self.key = {
            r: emulator.client("kms", r).create_key(Description=f"key {r}")["KeyMetadata"]["Arn"]
            for r in (SOURCE, TARGET)
        }
        self.env = {
            E.SOURCE_REGION: SOURCE,
            E.TARGET_REGION: TARGET,
            E.PARAMETER_PATH: PATH,
            E.TARGET_KEY_ARN: self.key[TARGET],
        }
        for name, value in self.env.items():
            monkeypatch.setenv(name, value)

    def put(self, region: str, name: str, value: str, **extra) -> None:
        arguments = dict(Name=name, Value=value, Type="SecureString", Overwrite=True, **extra)
        if arguments["Type"] == "SecureString":
            arguments["KeyId"] = self.key[region]
        self.ssm[region].put_parameter(**arguments)

    def value(self, region: str, name: str) -> str | None:
        try:
            answer = self.ssm[region].get_parameter(Name=name, WithDecryption=True)
        except self.ssm[region].exceptions.ParameterNotFound:
            return None
        return answer["Parameter"]["Value"]

    def metadata(self, region: str, name: str) -> dict:
        (found,) = self.ssm[region].describe_parameters(
            ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}]
        )["Parameters"]
        return found

    def names(self, region: str) -> list[str]:
        pages = self.ssm[region].get_paginator("describe_parameters").paginate()
        return sorted(p["Name"] for page in pages for p in page["Parameters"])

    def invoke(self, event):
        return handler.lambda_handler(event, None)


def change(name: str, operation: str = "Create", region: str = SOURCE) -> dict:
    """A "Parameter Store Change" event as EventBridge delivers it (Systems Manager user
    guide, EventBridge event examples)."""
    return {
        "version": "0",
        "id": "a0f8b3b4-0b6e-4c3e-9d3a-6a1f0c1b2d3e",
        "detail-type": "Parameter Store Change",
        "source": "aws.ssm",
        "account": ACCOUNT,
        "time": "2025-01-01T00:00:00Z",
        "region": region,
        "resources": [f"arn:aws:ssm:{region}:{ACCOUNT}:parameter{name}"],
        "detail": {"operation": operation, "name": name, "type": "SecureString"},
    }


# -- changes -------------------------------------------------------------------------------


def test_a_created_parameter_is_copied_and_encrypted_with_the_target_regions_key(world):
    # Given a SecureString written in the source region under its own key
    world.put(SOURCE, WRITER, "writer.db-test.internal", Description="writer name")
    # When its Create event arrives
    answer = world.invoke(change(WRITER))
    # Then the target region holds the same value, type, description and tier, under the
    # target region's key (moto stores the KeyId it was given, as AWS reports it back)
    assert answer == {"status": "copied", "name": WRITER}
    assert world.value(TARGET, WRITER) == "writer.db-test.internal"
    copy = world.metadata(TARGET, WRITER)
    assert (copy["Type"], copy["Description"], copy["Tier"]) == (
        "SecureString",
        "writer name",
        "Standard",
    )
    assert copy["KeyId"] == world.key[TARGET]
    assert world.metadata(SOURCE, WRITER)["KeyId"] == world.key[SOURCE]


def test_an_update_is_copied_and_a_copy_that_matches_is_not_written_again(world):
    # Given a parameter already replicated
    world.put(SOURCE, FLAG, "off")
    world.invoke(change(FLAG))
    # When its value changes and the Update event arrives, twice (EventBridge may repeat)
    world.put(SOURCE, FLAG, "on")
    first = world.invoke(change(FLAG, "Update"))
    second = world.invoke(change(FLAG, "Update"))
    # Then the copy follows, and the repeat writes no new version
    assert (first["status"], second["status"]) == ("copied", "unchanged")
    assert world.value(TARGET, FLAG) == "on"
    assert world.metadata(TARGET, FLAG)["Version"] == 2


def test_a_deleted_parameter_is_deleted_in_the_target_region(world):
    # Given a replicated parameter
    world.put(SOURCE, FLAG, "on")
    world.invoke(change(FLAG))
    # When it is deleted in the source region and the Delete event arrives
    world.ssm[SOURCE].delete_parameter(Name=FLAG)
    answer = world.invoke(change(FLAG, "Delete"))
    # Then the copy is gone too; a repeated event finds nothing to do
    assert answer["status"] == "deleted"
    assert world.value(TARGET, FLAG) is None
    assert world.invoke(change(FLAG, "Delete"))["status"] == "absent"


def test_the_current_state_decides_not_the_operation(world):
    # Given a parameter deleted and created again, whose late Delete event arrives last
    world.put(SOURCE, FLAG, "recreated")
    # When that Delete event is processed
    answer = world.invoke(change(FLAG, "Delete"))
    # Then the copy is what the source holds now
    assert answer["status"] == "copied"
    assert world.value(TARGET, FLAG) == "recreated"


def test_a_copy_of_another_type_is_replaced(world):
    # Given a String left in the target region where the source has a SecureString
    world.ssm[TARGET].put_parameter(Name=FLAG, Value="plain", Type="String")
    world.put(SOURCE, FLAG, "secret")
    # When the change is synced
    world.invoke(change(FLAG, "Update"))
    # Then the copy is a SecureString under the target key
    copy = world.metadata(TARGET, FLAG)
    assert (copy["Type"], copy["KeyId"]) == ("SecureString", world.key[TARGET])
    assert world.value(TARGET, FLAG) == "secret"


@pytest.mark.parametrize(
    "name",
    [
        ENDPOINT,  # EndpointParameters' own, written in both regions by Terraform
        "/dbdr/test/application/x",  # shares the path's characters, not its levels
        PATH,  # the path itself is not under it
    ],
)
def test_a_parameter_outside_the_path_is_ignored(world, name):
    # Given a parameter outside the path in the source region
    world.put(SOURCE, name, "elsewhere")
    # When its change event reaches the function
    answer = world.invoke(change(name))
    # Then nothing is copied
    assert answer["status"] == "ignored"
    assert world.value(TARGET, name) is None


# -- reconcile ----------------------------------------------------------------------------


def test_reconcile_heals_a_missed_change_and_removes_an_orphan(world):
    # Given a copy that missed an update, a parameter never copied, an orphan in the target
    # region, and the endpoint parameters (outside the path) in both regions
    world.put(SOURCE, WRITER, "new-writer")
    world.put(TARGET, WRITER, "old-writer")
    world.put(SOURCE, FLAG, "on")
    world.put(TARGET, f"{PATH}/retired", "gone")
    for region in (SOURCE, TARGET):
        world.put(region, ENDPOINT, f"writer-{region}")
    # When the scheduled reconcile runs
    answer = world.invoke({"reconcile": True})
    # Then the target's path equals the source's, and nothing outside it changed
    assert answer["status"] == "reconciled"
    assert (answer["copied"], answer["deleted"]) == (sorted([WRITER, FLAG]), [f"{PATH}/retired"])
    assert world.value(TARGET, WRITER) == "new-writer"
    assert world.value(TARGET, FLAG) == "on"
    assert world.value(TARGET, f"{PATH}/retired") is None
    assert world.value(TARGET, ENDPOINT) == f"writer-{TARGET}"
    # and a second run finds nothing to do
    again = world.invoke({"reconcile": True})
    assert (again["copied"], again["deleted"], again["unchanged"]) == (
        [],
        [],
        sorted([WRITER, FLAG]),
    )


def test_reconcile_pages_through_a_path_with_many_parameters(world):
    # Given more parameters than one page of GetParametersByPath (10)
    names = [f"{PATH}/flags/f{i:02d}" for i in range(23)]
    for name in names:
        world.put(SOURCE, name, name[-3:])
    # When the reconcile runs
    answer = world.invoke({"reconcile": True})
    # Then every one is copied
    assert answer["copied"] == names
    assert world.names(TARGET) == names


def test_reconcile_refuses_a_listing_beyond_its_bound_before_writing(world, monkeypatch):
    # Given a path holding more parameters than the bound, and an orphan in the target
    monkeypatch.setattr(handler, "MAX_PARAMETERS", 3)
    for i in range(4):
        world.put(SOURCE, f"{PATH}/p{i}", "v")
    world.put(TARGET, f"{PATH}/orphan", "v")
    # When the reconcile runs, it refuses, naming the bound
    with pytest.raises(RuntimeError, match="more than 3 parameters"):
        world.invoke({"reconcile": True})
    # and it wrote and deleted nothing
    assert world.names(TARGET) == [f"{PATH}/orphan"]


def test_terraform_create_reconciles_and_delete_removes_every_copy(world):
    # Given parameters in the source region and the endpoint parameters in the target
    world.put(SOURCE, WRITER, "writer")
    world.put(SOURCE, FLAG, "on")
    world.put(TARGET, ENDPOINT, "writer-target")
    # When Terraform creates the invocation resource (lifecycle_scope CRUD)
    created = world.invoke({"reconcile": True, "tf": {"action": "create", "prev_input": None}})
    # Then the copies exist
    assert created["copied"] == sorted([WRITER, FLAG])
    # When Terraform destroys it
    destroyed = world.invoke(
        {"reconcile": True, "tf": {"action": "delete", "prev_input": {"reconcile": True}}}
    )
    # Then every copy under the path is gone from the target, the rest stays, and the source
    # is untouched (Terraform deletes those itself)
    assert destroyed == {"status": "torn_down", "deleted": sorted([WRITER, FLAG])}
    assert world.names(TARGET) == [ENDPOINT]
    assert world.names(SOURCE) == sorted([WRITER, FLAG])


# -- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event, message",
    [
        ([], "event must be a JSON object, got list"),
        ({}, "event must be a Parameter Store Change from EventBridge or"),
        ({"reconcile": "yes"}, r"got \{reconcile\}"),
        ({"reconcile": True, "dry_run": True}, r"got \{dry_run, reconcile\}"),
        ({**change(FLAG), "source": "aws.s3"}, "only aws.ssm 'Parameter Store Change' events"),
        (
            {**change(FLAG), "detail-type": "Parameter Store Policy Action"},
            "only aws.ssm 'Parameter Store Change' events",
        ),
        (change(FLAG, region=TARGET), "must come from the source region us-east-1"),
        ({**change(FLAG), "detail": "x"}, "needs a detail object"),
        ({**change(FLAG), "detail": {"operation": "Create"}}, "detail.name must be"),
        (change(FLAG, operation="Rename"), "detail.operation must be one of"),
        ({"reconcile": True, "tf": {"action": "import"}}, "a Terraform invocation must be"),
        ({"tf": {"action": "delete"}}, "a Terraform invocation must be"),
    ],
)
def test_a_malformed_event_is_refused_clearly(world, event, message):
    # Given a parameter that a wrongly accepted event could touch
    world.put(SOURCE, FLAG, "on")
    # When the event arrives, it is refused with what is wrong
    with pytest.raises(handler.Refused, match=message):
        world.invoke(event)
    # and nothing was written
    assert world.names(TARGET) == []


@pytest.mark.parametrize("variable", E.ALL)
def test_every_environment_variable_is_required(world, monkeypatch, variable):
    monkeypatch.delenv(variable)
    with pytest.raises(KeyError, match=f"environment variable {variable} is required"):
        world.invoke({"reconcile": True})
