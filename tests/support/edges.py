"""The application tier's public edges over the regional base, for the edge and accelerator
tests: a RegionalService and a PublicEdge in a region of ``support.stacks.regional_base``."""

from __future__ import annotations

from constructs_lib.application.public_edge import PublicEdge, PublicEdgeProps
from support.stacks import PRIMARY, regional_props

CERTIFICATE = f"arn:aws:acm:{PRIMARY}:123456789012:certificate/0b7a1c2d-3e4f"
PATH = "/dbdr/test/app/"


def _service(t, base, role):
    from constructs_lib.application.regional_service import (
        RegionalService,
        RegionalServiceProps,
    )

    _, region, _, _ = base[role]
    return RegionalService(
        t.stack,
        f"{role}Service",
        RegionalServiceProps(
            **regional_props(base, role),
            table_name="dbdr-app-table-test",
            table_arn=f"arn:aws:dynamodb:{region}:123456789012:table/dbdr-app-table-test",
            config_path=PATH,
            writer_parameter=f"{PATH}database/writer",
        ),
    )


def edge(t, base, role, **overrides) -> PublicEdge:
    """The PublicEdge of ``role``'s region over its VPC and a RegionalService there."""
    *_, vpc = base[role]
    props = regional_props(base, role, vpc=vpc, service=_service(t, base, role))
    props.update(overrides)
    return PublicEdge(t.stack, f"{role}Edge", PublicEdgeProps(**props))
