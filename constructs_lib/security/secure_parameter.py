"""An SSM Parameter Store ``SecureString`` encrypted with its region's customer-managed key.

The parameter is in the Standard tier (free, values up to 4 KB, no parameter policies).
SSM encrypts a SecureString with the caller's permissions at put time, and a reader needs
``kms:Decrypt`` on the key (Systems Manager user guide, "How AWS Systems Manager Parameter
Store uses AWS KMS"); a KMS key never leaves its region, so the key is the one of the
region the parameter is written in.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.ssm_parameter import SsmParameter
from constructs import Construct

from constructs_lib.security.regional_key import KeyedRegion


def secure_parameter(
    scope: Construct, id: str, side: KeyedRegion, *, name: str, value: str, description: str
) -> SsmParameter:
    """A Standard-tier SecureString ``name`` in ``side``'s region, encrypted with its key."""
    return SsmParameter(
        scope,
        id,
        provider=side.provider,
        name=name,
        type="SecureString",
        tier="Standard",
        key_id=side.key.arn,
        value=value,
        description=description,
    )
