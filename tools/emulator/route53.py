"""Route 53: what moto 5.2.5 gets wrong on the stack's path, fixed as AWS does it.

(d) Private hosted zones, created the way the Terraform provider creates them. AWS:
    ``CreateHostedZone`` with a ``VPC`` creates a private zone
    (``HostedZoneConfig.PrivateZone`` is optional). moto reads the VPC only when
    ``PrivateZone=true`` is sent too, so the provider's zone becomes public and the next
    ``AssociateVPCWithHostedZone`` fails with ``PublicZoneVPCAssociation``. After moto's
    handler runs, a zone created with a VPC is made private with that VPC.
(f) Health checks of type CLOUDWATCH_METRIC. AWS stores ``AlarmIdentifier`` (region and
    name of the alarm watched) and ``InsufficientDataHealthStatus``, and reports no IP
    address, port, request interval or failure threshold for them. moto drops the first two
    and invents the others (port 80, interval 30 s), so the alarm a check watches cannot be
    verified and every plan shows an update. The alarm settings are recorded on moto's
    model, which reports an alarm-based check as AWS does.
(fz) Hosted zone ids. AWS's start with ``Z`` followed by uppercase letters and digits
    (``Z1D633PJN98FT9``, Route 53 API reference, HostedZone ``Id``), which the settings
    check; moto draws 22 characters from the same alphabet without the ``Z``, so a zone
    id it hands out can be refused as malformed. Here every new id starts with ``Z``.
"""

from __future__ import annotations

from typing import Any

from tools.emulator.patching import install


def apply() -> None:
    """Install this module's fixes (called once by ``apply_patches``)."""
    _patch_private_zone_from_vpc()
    _patch_alarm_based_health_checks()
    _patch_zone_ids()


def _patch_zone_ids() -> None:
    """(fz) A hosted zone id starts with Z, as AWS's do."""
    from moto.route53 import models

    original = models.create_route53_zone_id

    def create_route53_zone_id(*args: Any, **kwargs: Any) -> str:
        return "Z" + original(*args, **kwargs)[1:]

    models.create_route53_zone_id = create_route53_zone_id


def _patch_private_zone_from_vpc() -> None:
    """(d) A zone created with a VPC is private."""
    from moto.route53.responses import Route53

    original = Route53.create_hosted_zone

    def create_hosted_zone(self: Route53) -> Any:
        result = original(self)
        vpc_id, vpc_region = self._get_param("VPC.VPCId"), self._get_param("VPC.VPCRegion")
        if vpc_id:
            name = self._get_param("Name")
            name = name if name.endswith(".") else name + "."
            caller_reference = self._get_param("CallerReference")
            for zone in self.backend.zones.values():
                if (
                    zone.name == name
                    and zone.caller_reference == caller_reference
                    and not zone.private_zone
                ):
                    zone.private_zone = True
                    zone.add_vpc(vpc_id, vpc_region)
        return result

    install(Route53, create_hosted_zone)


def _patch_alarm_based_health_checks() -> None:
    """(f) Alarm-based health checks keep their alarm and report no probe settings."""
    from moto.route53.models import HealthCheck
    from moto.route53.responses import Route53

    original_config = HealthCheck.health_check_config.fget
    original_create, original_update = Route53.create_health_check, Route53.update_health_check

    def health_check_config(self: HealthCheck) -> dict[str, Any]:
        config = original_config(self)
        if self.type_ == "CLOUDWATCH_METRIC":
            for key in (
                "IPAddress",
                "Port",
                "RequestInterval",
                "FailureThreshold",
                "MeasureLatency",
            ):
                config.pop(key, None)
            config["AlarmIdentifier"] = getattr(self, "alarm_identifier", None)
            config["InsufficientDataHealthStatus"] = getattr(
                self, "insufficient_data_health_status", None
            )
        return config

    def record(check: HealthCheck, alarm: dict | None, insufficient: str | None) -> None:
        if alarm:
            check.alarm_identifier = {"Region": alarm.get("Region"), "Name": alarm.get("Name")}
        if insufficient:
            check.insufficient_data_health_status = insufficient

    def create_health_check(self: Route53) -> Any:
        result = original_create(self)
        config = self._get_param("HealthCheckConfig") or {}
        reference = self._get_param("CallerReference")
        for check in self.backend.health_checks.values():
            if check.caller_reference == reference:
                record(
                    check, config.get("AlarmIdentifier"), config.get("InsufficientDataHealthStatus")
                )
        return result

    def update_health_check(self: Route53) -> Any:
        result = original_update(self)
        check = self.backend.health_checks.get(self._get_param("HealthCheckId"))
        if check is not None:
            record(
                check,
                self._get_param("AlarmIdentifier"),
                self._get_param("InsufficientDataHealthStatus"),
            )
        return result

    HealthCheck.health_check_config = property(health_check_config)  # type: ignore[method-assign]
    install(Route53, create_health_check, update_health_check)
