"""PublicEdge: the application's public entry in one region, in front of its service function.

Internet -> (Global Accelerator) -> internet-facing Network Load Balancer (TCP) -> internal
Application Load Balancer (HTTPS) -> the regional service's Lambda function.

- **Public subnets**, one per zone of the VPC, carved from the block ``RegionalVpc`` keeps
  for a public tier (``vpc.public_cidr``, split in eight ``/prefix+6`` subnets, so the VPC
  must be /22 or larger for /28 subnets, the smallest AWS allows), with
  ``map_public_ip_on_launch`` off, an internet gateway and one route table whose default
  route goes to it. Only the NLB (and the interfaces Global Accelerator adds for client IP
  preservation) lives there; the ALB stays in the private subnets.
- **NLB**: internet-facing, cross-zone, with a security group (possible since 2023, and
  only at creation: elb/latest/network/load-balancer-security-groups.html) that admits the
  listener port from ``client_cidrs`` and sends only to the ALB's group. Global Accelerator
  preserves client IPs only for NLBs with security groups and TCP listeners
  (global-accelerator/latest/dg/about-endpoints.sipp-caveats.html). One TCP listener on
  ``port`` forwards to a target group of type ``alb`` whose only target is the ALB: TLS is
  terminated once, on the ALB, with the regional certificate. The target group's health
  check is an HTTP(S) GET of ``health_path`` through the ALB to the function, so the NLB,
  and Global Accelerator behind it, see the region's real health.
- **ALB**: internal, in the private subnets, ``drop_invalid_header_fields`` on, an HTTPS
  listener on the same port (the ``alb`` target group's port must equal an ALB listener's
  port: elb/latest/network/application-load-balancer-target.html) with TLS 1.2/1.3 policy,
  forwarding to a Lambda target group (health check on ``health_path``, multi-value headers
  off) attached to the regional function.
- **Without a certificate** (``certificate_arn`` None) the ALB listens HTTP on that port and
  ``tls`` is False: traffic is plain HTTP from the client to the ALB. main.py must print a
  notice; this is meant for a first deployment before a certificate exists, not for use.

Security groups. An NLB preserves client IPs towards an ``alb`` target (the ALB's guide
recommends admitting "client traffic" on the listener port, and the NLB's health checks
from the VPC: elb/latest/application/load-balancer-update-security-groups.html). So the
ALB's group admits the port from the NLB's security group (which, referenced, lets the NLB's
forwarded traffic in whatever its source address) and from the VPC range (the NLB's health
checks come from its private addresses). The ALB's group has no egress rule: ELB invokes
Lambda targets through the Lambda service, not through the ALB's interfaces, which sit in
subnets with no route out. The NLB's group sends only to the ALB's group on the port
(health checks obey the NLB's outbound rules, not its inbound ones).

Access logs. One bucket per region (``hardened_bucket``: force-destroy, versioned, public
access blocked, ACLs disabled, TLS only, expiring). ALB access logs accept only SSE-S3
buckets ("The only server-side encryption option that's supported is Amazon S3-managed
keys": elb/latest/application/enable-access-logging.html), so this bucket is SSE-S3, not the
regional KMS key; the ALB's logs are the ones that matter: one line per request with the
client IP. NLB access logs go to the same bucket (``nlb/``) but AWS writes them only for TLS
listeners (elb/latest/network/load-balancer-access-logs.html): with this TCP listener they
stay empty unless a TLS listener is added. The bucket policy is the ELB guides': the
regional ELB account (regions before August 2022) or ``logdelivery.elasticloadbalancing``
for the ALB, ``delivery.logs.amazonaws.com`` with ``aws:SourceAccount`` / ``aws:SourceArn``
for the NLB.

Ordering traps handled here: an internet-facing NLB cannot be created in a VPC without an
internet gateway (it waits for the gateway and its route); ELB writes a test object when
access logging is enabled, so both load balancers wait for the bucket policy; the ``alb``
target can be registered only once the ALB has a listener on the target group's port; the
Lambda target only once ELB may invoke the function (the permission's ``source_arn`` is the
target group). On destroy Terraform reverses these edges: targets are deregistered before
the ALB and the permission go.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from cdktf import Token
from cdktf_cdktf_provider_aws.data_aws_elb_service_account import DataAwsElbServiceAccount
from cdktf_cdktf_provider_aws.internet_gateway import InternetGateway
from cdktf_cdktf_provider_aws.lb import Lb, LbAccessLogs
from cdktf_cdktf_provider_aws.lb_listener import LbListener, LbListenerDefaultAction
from cdktf_cdktf_provider_aws.lb_target_group import LbTargetGroup, LbTargetGroupHealthCheck
from cdktf_cdktf_provider_aws.lb_target_group_attachment import LbTargetGroupAttachment
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.route import Route
from cdktf_cdktf_provider_aws.route53_health_check import Route53HealthCheck
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import (
    VpcSecurityGroupIngressRule,
)
from constructs import Construct

from constructs_lib.application.regional_service import RegionalService
from constructs_lib.checks import skip_checks
from constructs_lib.data_protection.hardened_bucket import (
    EXPIRATION_DAYS_MAX,
    HardenedBucket,
    hardened_bucket,
)
from constructs_lib.naming import Namer
from constructs_lib.network.regional_vpc import RegionalVpc, tcp_rule, zone_subnets
from constructs_lib.security.regional_key import RegionalKey
from dr_lambdas.contract import EDGE_HEALTH_INTERVAL_SECONDS, EDGE_UNHEALTHY_THRESHOLD

# Public subnets: the VPC's public block split in eight, one per zone (at most six).
PUBLIC_NEWBITS = 3
SMALLEST_SUBNET_PREFIX = 28  # AWS's smallest subnet; an NLB needs 8 free addresses in each
# TLS 1.3 and 1.2 only (elb/latest/application/describe-ssl-policies.html).
SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
# Regions whose ALB log delivery is granted to a regional ELB account (the provider's
# aws_elb_service_account knows them); the regions opened since (August 2022 and later, and
# the few opened since Jakarta) use the logdelivery.elasticloadbalancing.amazonaws.com
# principal instead (elb/latest/application/enable-access-logging.html, step 2).
ELB_ACCOUNT_REGIONS = frozenset(
    {
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "af-south-1",
        "ap-east-1",
        "ap-south-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-southeast-1",
        "ap-southeast-2",
        "ca-central-1",
        "eu-central-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-south-1",
        "eu-north-1",
        "me-south-1",
        "sa-east-1",
    }
)
# Prefixes in the access-log bucket: each load balancer's kind.
ALB_LOGS, NLB_LOGS = "alb", "nlb"
_DESTROYABLE = {
    "CKV_AWS_150": "destroyable environment: deletion_protection is off (the default "
    "profile), so cdktf destroy removes the load balancers like the database"
}


@dataclass(frozen=True, kw_only=True)
class PublicEdgeProps:
    provider: AwsProvider
    region: str
    namer: Namer
    key: RegionalKey  # for the account id and partition (the log bucket is SSE-S3: see above)
    vpc: RegionalVpc
    service: RegionalService
    # Default: none, and the ALB listens plain HTTP on ``port`` (``tls`` False; main.py says
    # so). An ACM certificate ARN of this region turns on HTTPS with SSL_POLICY.
    certificate_arn: str | None = None
    # Default: 443, on the NLB, the Global Accelerator listener and the ALB alike.
    port: int = 443
    # Default: the service's health route, which checks the region's own dependencies.
    health_path: str = "/health"
    # Default: the whole internet, a public edge. Networks in CIDR notation admitted to the
    # NLB's port (with Global Accelerator's client IP preservation, the clients' own).
    client_cidrs: tuple[str, ...] = ("0.0.0.0/0",)
    # Default: 90 days of access logs, then removed (noncurrent versions 90 days later).
    log_expiration_days: int = 90
    # Default: True, so destroying the environment empties and deletes the log bucket.
    force_destroy: bool = True
    # Default: False, so cdktf destroy removes both load balancers; main.py passes the
    # deletion_protection setting (the production profile turns it on).
    deletion_protection: bool = False


class PublicEdge(Construct):
    """Public subnets, an internet-facing NLB, an internal ALB and the function behind them."""

    def __init__(self, scope: Construct, id: str, props: PublicEdgeProps) -> None:
        super().__init__(scope, id)
        subnet_cidrs = _validate(props)
        provider, namer, region, vpc = props.provider, props.namer, props.region, props.vpc
        self.region = region
        self.provider = provider
        self.port = props.port
        self.tls = props.certificate_arn is not None
        self.health_path = props.health_path

        gateway = self._public_network(props, subnet_cidrs)
        logs = self._log_bucket(props)
        self.access_log_bucket = logs.bucket.bucket

        # Security groups: clients -> NLB -> ALB (see the module docstring).
        nlb_group, alb_group = (
            SecurityGroup(
                self,
                f"{kind.capitalize()}SecurityGroup",
                provider=provider,
                name=namer.name(kind, region),
                description=description,
                vpc_id=vpc.vpc_id,
            )
            for kind, description in (
                ("nlb", f"Clients to the public NLB on TCP {props.port}; to the ALB only"),
                ("alb", f"TCP {props.port} from the public NLB and its health checks only"),
            )
        )
        ingress, egress = VpcSecurityGroupIngressRule, VpcSecurityGroupEgressRule
        rules = [
            *(
                (ingress, f"NlbClients{i}", nlb_group, f"Clients in {cidr}", {"cidr_ipv4": cidr})
                for i, cidr in enumerate(props.client_cidrs)
            ),
            (
                egress,
                "NlbToAlb",
                nlb_group,
                "Forwarded connections and health checks to the ALB",
                {"referenced_security_group_id": alb_group.id},
            ),
            (
                ingress,
                "AlbFromNlb",
                alb_group,
                "Client connections the NLB forwards (client IPs preserved)",
                {"referenced_security_group_id": nlb_group.id},
            ),
            (
                ingress,
                "AlbFromVpc",
                alb_group,
                "The NLB's health checks from its private addresses",
                {"cidr_ipv4": vpc.cidr},
            ),
        ]
        for rule_type, rule_id, group, description, peer in rules:
            tcp_rule(
                rule_type,
                self,
                rule_id,
                provider=provider,
                group_id=group.id,
                port=props.port,
                description=description,
                **peer,
            )
        self.security_group_ids = {"nlb": nlb_group.id, "alb": alb_group.id}

        # The internal ALB and its Lambda target.
        no_redirect = {
            "CKV2_AWS_20": "no certificate_arn was given, so there is no HTTPS listener to "
            "redirect to (PublicEdge.tls is False)"
        }
        self.alb = self._load_balancer(
            props,
            "alb",
            alb_group,
            logs,
            skips={} if self.tls else no_redirect,
            load_balancer_type="application",
            internal=True,
            subnets=vpc.private_subnet_ids,
            drop_invalid_header_fields=True,
        )
        targets = self._target_group(
            props,
            "alb",
            # Lambda targets: AWS's defaults, a timeout below the interval.
            dict(interval=35, timeout=30, healthy_threshold=2, unhealthy_threshold=2),
            target_type="lambda",
            lambda_multi_value_headers_enabled=False,
        )
        permission = props.service.function.allow_invoke(
            self,
            "AllowAlb",
            statement_id="AllowAlbTargetGroup",
            principal="elasticloadbalancing.amazonaws.com",
            source_arn=targets.arn,
        )
        LbTargetGroupAttachment(
            self,
            "AlbTarget",
            provider=provider,
            target_group_arn=targets.arn,
            target_id=props.service.function.arn,
            depends_on=[permission],
        )
        if self.tls:
            tls = dict(
                protocol="HTTPS", ssl_policy=SSL_POLICY, certificate_arn=props.certificate_arn
            )
        else:
            tls = dict(protocol="HTTP")
        alb_listener = self._listener("alb", self.alb, targets, **tls)
        if not self.tls:
            skip_checks(
                alb_listener,
                {
                    "CKV_AWS_2": "no certificate_arn was given: the edge runs plain "
                    "HTTP until one is (PublicEdge.tls is False and synth says so)",
                    "CKV_AWS_103": "plain HTTP without a certificate (see CKV_AWS_2); "
                    "with one the listener uses TLS 1.2/1.3 only",
                },
            )

        # The internet-facing NLB and its ALB target.
        self.nlb = self._load_balancer(
            props,
            "nlb",
            nlb_group,
            logs,
            load_balancer_type="network",
            internal=False,
            subnets=self.public_subnet_ids,
            enable_cross_zone_load_balancing=True,
            depends_on=(gateway, self._default_route),
        )
        nlb_targets = self._target_group(
            props,
            "nlb",
            dict(
                protocol="HTTPS" if self.tls else "HTTP",
                port="traffic-port",
                interval=EDGE_HEALTH_INTERVAL_SECONDS,
                timeout=6,
                healthy_threshold=3,
                unhealthy_threshold=EDGE_UNHEALTHY_THRESHOLD,
            ),
            target_type="alb",
            protocol="TCP",
            port=props.port,
            vpc_id=vpc.vpc_id,
        )
        LbTargetGroupAttachment(
            self,
            "NlbTarget",
            provider=provider,
            target_group_arn=nlb_targets.arn,
            target_id=self.alb.arn,
            port=props.port,
            depends_on=[alb_listener],
        )
        self._listener("nlb", self.nlb, nlb_targets, protocol="TCP")

        self.nlb_arn = self.nlb.arn
        self.nlb_dns_name = self.nlb.dns_name
        self.nlb_zone_id = self.nlb.zone_id
        self.alb_arn = self.alb.arn
        # CloudWatch dimensions (AWS/NetworkELB and AWS/ApplicationELB namespaces).
        self.nlb_dimensions = {
            "LoadBalancer": self.nlb.arn_suffix,
            "TargetGroup": nlb_targets.arn_suffix,
        }
        self.alb_dimensions = {
            "LoadBalancer": self.alb.arn_suffix,
            "TargetGroup": targets.arn_suffix,
        }
        # Route 53 checks the whole public path (NLB -> ALB -> function -> the region's
        # dependencies) from the internet, by the NLB's own name: what Global Accelerator
        # and a failover record would send clients to. Its checkers must be among
        # client_cidrs (the default admits them).
        self.health_check = Route53HealthCheck(
            self,
            "HealthCheck",
            provider=provider,
            type="HTTPS" if self.tls else "HTTP",
            fqdn=self.nlb_dns_name,
            port=props.port,
            resource_path=props.health_path,
            request_interval=30,
            failure_threshold=3,
            measure_latency=True,
            tags={"Name": namer.name("edge-health", region)},
        )
        self.health_check_id = self.health_check.id

    def _load_balancer(
        self,
        props: PublicEdgeProps,
        kind: str,
        group: SecurityGroup,
        logs: HardenedBucket,
        *,
        skips: dict[str, str] | None = None,
        depends_on: tuple = (),
        **settings,
    ) -> Lb:
        """The ``kind`` ("alb" or "nlb") load balancer in ``group``, logging to ``logs`` under
        the prefix ``kind`` once the bucket policy lets it, and ``skips`` on it."""
        lb = Lb(
            self,
            kind.capitalize(),
            provider=self.provider,
            name=props.namer.name(kind, self.region),
            security_groups=[group.id],
            enable_deletion_protection=props.deletion_protection,
            access_logs=LbAccessLogs(bucket=logs.bucket.id, prefix=kind, enabled=True),  # *_LOGS
            depends_on=[*depends_on, logs.policy],
            **settings,
        )
        skips = {**({} if props.deletion_protection else _DESTROYABLE), **(skips or {})}
        if skips:
            skip_checks(lb, skips)
        return lb

    def _target_group(
        self, props: PublicEdgeProps, kind: str, health: dict, **settings
    ) -> LbTargetGroup:
        """The target group of the ``kind`` load balancer, health-checked on health_path
        with ``health``'s settings."""
        return LbTargetGroup(
            self,
            f"{kind.capitalize()}Targets",
            provider=self.provider,
            name=props.namer.name(f"{kind}-targets", self.region),
            health_check=LbTargetGroupHealthCheck(
                enabled=True, path=self.health_path, matcher="200", **health
            ),
            **settings,
        )

    def _listener(self, kind: str, lb: Lb, targets: LbTargetGroup, **protocol) -> LbListener:
        """The ``kind`` load balancer's listener on the edge's port, forwarding to ``targets``."""
        return LbListener(
            self,
            f"{kind.capitalize()}Listener",
            provider=self.provider,
            load_balancer_arn=lb.arn,
            port=self.port,
            default_action=[LbListenerDefaultAction(type="forward", target_group_arn=targets.arn)],
            **protocol,
        )

    def _public_network(self, props: PublicEdgeProps, cidrs: list[str]) -> InternetGateway:
        provider, vpc = props.provider, props.vpc
        name = props.namer.name("edge", props.region)
        gateway = InternetGateway(
            self, "InternetGateway", provider=provider, vpc_id=vpc.vpc_id, tags={"Name": name}
        )
        table = RouteTable(
            self,
            "PublicRouteTable",
            provider=provider,
            vpc_id=vpc.vpc_id,
            tags={"Name": f"{name}-public"},
        )
        # A separate aws_route: the route table's inline routes are an all-or-nothing block.
        self._default_route = Route(
            self,
            "DefaultRoute",
            provider=provider,
            route_table_id=table.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=gateway.id,
        )
        self.public_subnets, _ = zone_subnets(
            self,
            "public",
            provider=provider,
            vpc_id=vpc.vpc_id,
            name=name,
            cidrs=cidrs,
            zone_ids=vpc.zone_ids,
            route_table=table,
        )
        self.public_subnet_ids = [s.id for s in self.public_subnets]
        self.public_route_table_id = table.id
        return gateway

    def _log_bucket(self, props: PublicEdgeProps) -> HardenedBucket:
        """The access-log bucket, SSE-S3, writable by ELB log delivery only."""
        provider, region, key = props.provider, props.region, props.key
        account, partition = key.account_id, key.partition
        if region in ELB_ACCOUNT_REGIONS:
            elb = DataAwsElbServiceAccount(self, "ElbAccount", provider=provider)
            alb_principal = {"AWS": elb.arn}
        else:
            alb_principal = {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
        delivery = {
            "StringEquals": {"aws:SourceAccount": account},
            "ArnLike": {"aws:SourceArn": f"arn:{partition}:logs:{region}:{account}:*"},
        }

        def log_delivery(arn: str) -> list[dict]:
            return [
                {
                    "Sid": "AlbAccessLogs",
                    "Effect": "Allow",
                    "Principal": alb_principal,
                    "Action": "s3:PutObject",
                    "Resource": f"{arn}/{ALB_LOGS}/AWSLogs/{account}/*",
                },
                {
                    "Sid": "NlbAccessLogsWrite",
                    "Effect": "Allow",
                    "Principal": {"Service": "delivery.logs.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": f"{arn}/{NLB_LOGS}/AWSLogs/{account}/*",
                    "Condition": {
                        **delivery,
                        "StringEquals": {
                            **delivery["StringEquals"],
                            "s3:x-amz-acl": "bucket-owner-full-control",
                        },
                    },
                },
                {
                    "Sid": "NlbAccessLogsAclCheck",
                    "Effect": "Allow",
                    "Principal": {"Service": "delivery.logs.amazonaws.com"},
                    "Action": "s3:GetBucketAcl",
                    "Resource": arn,
                    "Condition": delivery,
                },
            ]

        logs = hardened_bucket(
            self,
            "AccessLogs",
            provider=provider,
            name=props.namer.name("access-logs", region),
            force_destroy=props.force_destroy,
            expiration_days=props.log_expiration_days,
            lifecycle_rule_id="expire-access-logs",
            kms_key_arn=None,  # SSE-S3: the only encryption ALB access logs accept
            statements=log_delivery,
            policy_after_ownership=True,
        )
        skip_checks(
            logs.bucket,
            {
                "CKV_AWS_145": "ALB access logs accept only SSE-S3 buckets "
                "(elb/latest/application/enable-access-logging.html); the bucket "
                "holds nothing but load balancer logs",
                "CKV_AWS_18": "this bucket is itself the access log of the load "
                "balancers; logging it would need another bucket flagged by this check",
                "CKV_AWS_144": "access logs are regional evidence kept for "
                "log_expiration_days; the other region has its own edge and bucket",
                "CKV2_AWS_62": "nothing consumes object events of a log bucket",
            },
        )
        return logs


def _validate(props: PublicEdgeProps) -> list[str]:
    """Check the props; return the public subnets' CIDRs, one per zone of the VPC."""
    port = props.port
    if not Token.is_unresolved(port) and not 1 <= port <= 65535:
        raise ValueError(f"port must be 1..65535, got {port}")
    path = props.health_path
    if not Token.is_unresolved(path) and not (path.startswith("/") and len(path) <= 1024):
        raise ValueError(f"health_path must start with '/' (at most 1024 characters), got {path!r}")
    certificate = props.certificate_arn
    if (
        certificate is not None
        and not Token.is_unresolved(certificate)
        and (not certificate.startswith("arn:") or f":acm:{props.region}:" not in certificate)
    ):
        raise ValueError(
            f"certificate_arn must be an ACM certificate ARN in {props.region}, got {certificate!r}"
        )
    if not props.client_cidrs:
        raise ValueError("client_cidrs must name at least one network, got none")
    for cidr in props.client_cidrs:
        try:
            ipaddress.IPv4Network(cidr)
        except ValueError:
            raise ValueError(
                f"client_cidrs must be IPv4 networks such as 0.0.0.0/0, got {cidr!r}"
            ) from None
    days = props.log_expiration_days
    if not Token.is_unresolved(days) and not 1 <= days <= EXPIRATION_DAYS_MAX:
        raise ValueError(f"log_expiration_days must be 1..{EXPIRATION_DAYS_MAX}, got {days}")
    block = ipaddress.IPv4Network(props.vpc.public_cidr)
    new_prefix = block.prefixlen + PUBLIC_NEWBITS
    if new_prefix > SMALLEST_SUBNET_PREFIX:
        raise ValueError(
            f"vpc cidr {props.vpc.cidr} is too small for public subnets: they are "
            f"/{new_prefix}, AWS's smallest is /{SMALLEST_SUBNET_PREFIX}; use a /22 or larger"
        )
    subnets = list(block.subnets(new_prefix=new_prefix))
    return [str(s) for s in subnets[: len(props.vpc.zone_ids)]]
