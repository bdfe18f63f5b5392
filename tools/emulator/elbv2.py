"""Elastic Load Balancing v2: (ka) a load balancer created without ``Scheme`` is
internet-facing (ELB API reference, CreateLoadBalancer, ``Scheme``: "The default is an
Internet-facing load balancer").

moto passes the missing parameter on as ``None``, which replaces its own default: the load
balancer then has no scheme, and describing it fails (no ``Scheme`` in the answer). The
provider sends no ``Scheme`` for ``internal = false`` (the application tier's public NLB).
Still more lenient than AWS: an internet-facing load balancer is not checked to sit in
subnets routed to an internet gateway (AWS: InvalidSubnet).
"""

from __future__ import annotations

from typing import Any

from tools.emulator.patching import install

DEFAULT_SCHEME = "internet-facing"


def apply() -> None:
    """Install this module's fixes (called once by ``apply_patches``)."""
    _patch_default_scheme()


def _patch_default_scheme() -> None:
    """(ka) No ``Scheme`` means internet-facing."""
    from moto.elbv2.models import ELBv2Backend

    original = ELBv2Backend.create_load_balancer

    def create_load_balancer(self: ELBv2Backend, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("scheme") is None:
            kwargs["scheme"] = DEFAULT_SCHEME
        return original(self, *args, **kwargs)

    install(ELBv2Backend, create_load_balancer)
