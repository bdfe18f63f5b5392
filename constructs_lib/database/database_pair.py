"""DatabasePair: what both database constructs share around their two regional members.

Both modes place a primary and a secondary member in two different regions, each with its
own provider, network and key, and create the primary with the master credentials from
Secrets Manager (:mod:`constructs_lib.security.master_secret`): an existing secret, or one
the stack creates with a generated password, passed as a write-only argument so it never
reaches the plan, the state or the synthesized JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

from constructs_lib.database.database_member import MasterCredentials, MemberSettings
from constructs_lib.naming import Namer
from constructs_lib.network.regional_vpc import RegionalVpc
from constructs_lib.security.master_secret import MasterSecret, MasterSecretProps, MasterUserProps
from constructs_lib.security.regional_key import KeyedRegion, RegionalKey


@dataclass(frozen=True, kw_only=True)
class DatabaseRegion:
    """Where one member lives: its provider, network and key."""

    provider: AwsProvider
    region: str
    vpc: RegionalVpc
    key: RegionalKey

    @property
    def keyed(self) -> KeyedRegion:
        return KeyedRegion(provider=self.provider, region=self.region, key=self.key)


@dataclass(frozen=True, kw_only=True)
class DatabasePairProps(MasterUserProps):
    namer: Namer
    settings: MemberSettings
    primary: DatabaseRegion
    secondary: DatabaseRegion


class DatabasePair(Construct):
    """The master secret, in both regions, and the two members; a subclass names its
    member construct and props in ``MEMBER`` and declares the members with
    :meth:`_member`."""

    MEMBER: tuple[type, type]

    def __init__(self, scope: Construct, id: str, props: DatabasePairProps) -> None:
        super().__init__(scope, id)
        if props.primary.region == props.secondary.region:
            raise ValueError(
                f"secondary region must differ from the primary, got {props.secondary.region} twice"
            )
        props.validate_master_user()
        self._props = props
        self.master_secret = MasterSecret(
            self,
            "MasterSecret",
            MasterSecretProps(
                primary=props.primary.keyed,
                secondary=props.secondary.keyed,
                user=props,
                destroyable=not props.settings.deletion_protection,
            ),
        )
        self.master_secret_arn = self.master_secret.arn

    def _member(self, label: str, side: DatabaseRegion, **role: Any) -> Any:
        """The member ``label`` in ``side``'s region; ``role`` completes its props."""
        member_type, props_type = self.MEMBER
        return member_type(
            self,
            label,
            props_type(
                provider=side.provider,
                region=side.region,
                namer=self._props.namer,
                settings=self._props.settings,
                vpc=side.vpc,
                key=side.key,
                **role,
            ),
        )

    def _primary_role(self) -> dict[str, Any]:
        """What only the primary's props carry: the master credentials and the database,
        created once the secret is ready."""
        props = self._props
        return dict(
            credentials=MasterCredentials(
                username=props.master_username,
                password_wo=self.master_secret.password_wo,
                password_version=props.master_password_version,
            ),
            database_name=props.database_name,
            depends_on=self.master_secret.ready,
        )
