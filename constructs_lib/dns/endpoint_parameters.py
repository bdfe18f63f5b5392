"""EndpointParameters: where applications in either region look up the database.

The same SSM Parameter Store hierarchy is written into **both** regions, so an application
reads ``<path>/writer-dns-name`` from its own region's Parameter Store and never needs to
know which region is primary today (SSM parameters are regional: a parameter exists only in
the region it was put in). Under ``<path>/``:

- ``writer-dns-name`` / ``reader-dns-name``: the private DNS names that follow the writer
  (FailoverDns); what applications should connect to.
- ``primary-endpoint`` / ``secondary-endpoint``: the writer endpoint of the database in the
  region deployed as primary and as secondary, for clients that verify the server
  certificate's host name (RDS certificates do not name custom DNS names). These are the
  *deployed* roles: after a failover the writer is the one ``writer-dns-name`` points at.
- ``global-writer-endpoint`` (Aurora only): the global database's writer endpoint, which
  Aurora moves to the new writer itself on switchover and failover; the best name for
  clients that verify host names, since it always names the writer.
- ``port``: the database port.
- ``master-secret-arn``: the ARN (never the value) of the master credentials secret. It is
  a ``SecureString`` encrypted with the region's customer-managed key because it tells a
  reader where credentials live; reading it needs ``kms:Decrypt`` on that key, which the
  key policy delegates to IAM (RegionalKey's account-root statement). SSM encrypts a
  SecureString with the caller's permissions at put time (Systems Manager user guide,
  "How AWS Systems Manager Parameter Store uses AWS KMS").

Every parameter is in the Standard tier (free, 4 KB): none of the values comes near the
limit and none needs parameter policies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf import Token
from cdktf_cdktf_provider_aws.ssm_parameter import SsmParameter
from constructs import Construct

from constructs_lib.checks import skip_checks
from constructs_lib.database.database_member import DatabaseMember
from constructs_lib.naming import Namer
from constructs_lib.security.regional_key import KeyedRegion
from constructs_lib.security.secure_parameter import secure_parameter

# SSM: names are letters, digits and _.-, "/" separates levels; at most 15 levels; no name
# may begin with "aws" or "ssm" (Systems Manager user guide, "Creating Parameter Store
# parameters", parameter name requirements).
_PATH = re.compile(r"^(/[A-Za-z0-9_.-]+)+$")
_MAX_LEVELS = 15
_RESERVED_PREFIXES = ("aws", "ssm")

WRITER_DNS_NAME, READER_DNS_NAME = "writer-dns-name", "reader-dns-name"
PRIMARY_ENDPOINT, SECONDARY_ENDPOINT = "primary-endpoint", "secondary-endpoint"
PORT, MASTER_SECRET_ARN = "port", "master-secret-arn"
GLOBAL_WRITER_ENDPOINT = "global-writer-endpoint"
LEAVES = (
    WRITER_DNS_NAME,
    READER_DNS_NAME,
    PRIMARY_ENDPOINT,
    SECONDARY_ENDPOINT,
    PORT,
    MASTER_SECRET_ARN,
)


@dataclass(frozen=True, kw_only=True)
class EndpointParametersProps:
    # Names the deployment in each parameter's description (the names follow ``path``).
    namer: Namer
    # Hierarchy the parameters live under, e.g. "/dbdr/dev": starts with "/", no trailing
    # "/"; the leaf names above are appended.
    path: str
    # Both database regions, each exactly once.
    regions: tuple[KeyedRegion, ...] | list[KeyedRegion]
    writer_dns_name: str
    reader_dns_name: str
    primary: DatabaseMember
    secondary: DatabaseMember
    port: int
    # ARN of the master credentials secret (the ARN only; its value never reaches SSM).
    # The same ARN is written in both regions.
    secret_arn: str
    # Default: none. The Aurora global writer endpoint, when there is one.
    global_writer_endpoint: str = ""


class EndpointParameters(Construct):
    """The same parameters under ``path`` in every region of the deployment."""

    def __init__(self, scope: Construct, id: str, props: EndpointParametersProps) -> None:
        super().__init__(scope, id)
        _validate(props)
        deployment = f"{props.namer.project} ({props.namer.suffix})"
        self.path = props.path
        leaves = LEAVES + ((GLOBAL_WRITER_ENDPOINT,) if props.global_writer_endpoint else ())
        self.parameter_names = [f"{props.path}/{leaf}" for leaf in leaves]
        # region -> full parameter name -> resource
        self.parameters: dict[str, dict[str, SsmParameter]] = {}
        roles = {props.primary.region: "Primary", props.secondary.region: "Secondary"}
        for side in props.regions:
            strings = {
                WRITER_DNS_NAME: (
                    props.writer_dns_name,
                    f"{deployment}: private DNS name of the database writer; "
                    "follows the writer across regions",
                ),
                READER_DNS_NAME: (
                    props.reader_dns_name,
                    f"{deployment}: private DNS name for read-only connections",
                ),
                PRIMARY_ENDPOINT: (
                    props.primary.endpoint,
                    f"{deployment}: writer endpoint of the database deployed "
                    f"as primary in {props.primary.region} (for TLS host name "
                    "verification)",
                ),
                SECONDARY_ENDPOINT: (
                    props.secondary.endpoint,
                    f"{deployment}: endpoint of the database deployed as "
                    f"secondary in {props.secondary.region}, the writer's once "
                    "promoted (for TLS host name verification)",
                ),
                PORT: (str(props.port), f"{deployment}: database port"),
            }
            if props.global_writer_endpoint:
                strings[GLOBAL_WRITER_ENDPOINT] = (
                    props.global_writer_endpoint,
                    f"{deployment}: Aurora global writer endpoint; always names the current "
                    "writer (for TLS host name verification)",
                )
            label = roles[side.region]
            created: dict[str, SsmParameter] = {}
            for leaf, (value, description) in strings.items():
                name = f"{props.path}/{leaf}"
                parameter = SsmParameter(
                    self,
                    f"{label}{_camel(leaf)}",
                    provider=side.provider,
                    name=name,
                    type="String",
                    tier="Standard",
                    value=value,
                    description=description,
                )
                # A host name or port is public configuration, not a secret: encrypting it
                # would make every resolver hold kms:Decrypt for nothing.
                skip_checks(
                    parameter,
                    {
                        "CKV2_AWS_34": "not a secret: a host name or port "
                        "that every client must read"
                    },
                )
                created[name] = parameter
            name = f"{props.path}/{MASTER_SECRET_ARN}"
            created[name] = secure_parameter(
                self,
                f"{label}{_camel(MASTER_SECRET_ARN)}",
                side,
                name=name,
                value=props.secret_arn,
                description=f"{deployment}: ARN of the master credentials secret "
                "(read it in Secrets Manager; this is not the password)",
            )
            self.parameters[side.region] = created


def _camel(leaf: str) -> str:
    return "".join(part.capitalize() for part in leaf.split("-"))


def _validate(props: EndpointParametersProps) -> None:
    path = props.path
    if not Token.is_unresolved(path):
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/', got {path!r}")
        if path.endswith("/"):
            raise ValueError(f"path must not end with '/', got {path!r}")
        if not _PATH.match(path):
            raise ValueError(
                f"path must be '/'-separated non-empty levels of letters, digits "
                f"and _.-, got {path!r}"
            )
        first = path.split("/")[1].lower()
        if first.startswith(_RESERVED_PREFIXES):
            raise ValueError(
                f"path must not begin with 'aws' or 'ssm' (reserved by AWS), got {path!r}"
            )
        levels = path.count("/") + 1  # the leaf adds one level
        if levels > _MAX_LEVELS:
            raise ValueError(
                f"path must have at most {_MAX_LEVELS - 1} levels "
                f"(SSM allows {_MAX_LEVELS} with the leaf), got {path!r}"
            )
    regions = [side.region for side in props.regions]
    expected = sorted({props.primary.region, props.secondary.region})
    if sorted(regions) != expected or len(expected) != 2:
        raise ValueError(
            f"regions must be the two database regions {', '.join(expected)} "
            f"once each, got {', '.join(regions) or 'none'}"
        )
    if not 1 <= props.port <= 65535:
        raise ValueError(f"port must be 1..65535, got {props.port}")
    for field in ("writer_dns_name", "reader_dns_name"):
        if not getattr(props, field):
            raise ValueError(f"{field} must not be empty, got ''")
    arn = props.secret_arn
    if not Token.is_unresolved(arn) and not arn.startswith("arn:"):
        raise ValueError(f"secret_arn must be a Secrets Manager ARN (arn:...), got {arn!r}")
