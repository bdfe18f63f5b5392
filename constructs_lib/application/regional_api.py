"""RegionalApi: the application tier's public HTTPS entry point in one region.

One API Gateway REST API per region with a REGIONAL endpoint (served from that region only,
so the loss of one region leaves the other's API untouched), in front of that region's
service function (``RegionalService``):

- the root resource and a ``{proxy+}`` resource, each with an ``ANY`` method and a Lambda
  proxy integration (``AWS_PROXY``, always invoked with ``POST``; API Gateway developer
  guide, set-up-lambda-proxy-integrations.html), so every path reaches the function, which
  routes ``GET /health`` and ``GET|PUT /items/<id>`` itself (payload version 1.0);
- a deployment that Terraform replaces whenever the resources, methods or integrations
  change (``triggers``: a hash over them) and creates before it destroys the old one, so the
  stage always points at a deployment (provider docs, api_gateway_deployment);
- a stage (default ``live``) with X-Ray tracing, JSON access logs in a log group encrypted
  with the regional key, execution logs (errors only, no request bodies) in a log group we
  create with the same key and retention under the name API Gateway writes to
  (``API-Gateway-Execution-Logs_<api id>/<stage>``: API Gateway would otherwise create it
  itself, unencrypted, never expiring, and left behind at destroy; provider docs,
  api_gateway_stage, "Managing the API Logging CloudWatch Log Group"), and default
  throttling for every method (``*/*``), below the account's regional quota so one
  client cannot starve the region's other APIs;
- the function's permission for ``apigateway.amazonaws.com`` from this API only
  (``<execution arn>/*/*``);
- a Route 53 HTTPS health check of ``https://<api id>.execute-api.<region>.<dns suffix>
  /<stage>/health`` (the default endpoint: it answers with or without a custom domain), which
  the application's failover records can carry;
- optionally a custom domain name: ``aws_api_gateway_domain_name`` (REGIONAL, TLS 1.2) with
  its base path mapping to the stage, and a certificate of this region: either one the user
  imported or requested (``certificate_arn``, an ACM ARN of this region: a regional custom
  domain takes only a certificate of its own region, apigateway-regional-api-custom-domain-
  create.html), or one requested here with DNS validation in a public hosted zone
  (``public_zone_id``). Without a domain name no custom-domain resource exists and
  ``custom_domain`` is None.

**Account-level CloudWatch role.** A REST API's access and execution logs need the region's
API Gateway *account setting* ``cloudwatchRoleArn`` (set-up-logging.html; without it the
stage fails with "CloudWatch Logs role ARN must be set in account settings to enable
logging"). It is one value per account and region, shared by every REST API there, and
``aws_api_gateway_account`` manages that value. With ``manage_account_logging_role`` (the
default) this construct creates a role that trusts API Gateway, with the AWS managed
policy ``AmazonAPIGatewayPushToCloudWatchLogs`` (the permissions AWS documents for it; it
serves every REST API of the region, whose log groups are not ours to list), and sets it
as the region's value with ``reset_on_delete = true``, so ``destroy`` clears the setting
instead of leaving it pointing at the deleted role (provider 5.100: without it the destroy
only forgets the resource and warns; 6.x always resets). Consequences for an account whose
region already has a role set: apply **replaces** it with ours (the other APIs keep logging,
through our role) and destroy **clears** it, so those APIs stop logging until their own
owner sets it again. Such accounts (e.g. a landing zone that owns the setting) turn
``manage_account_logging_role`` off: nothing account-wide is then created or changed here,
and the setting must already be in place in both regions. ``reset_on_delete`` is
deprecated in 5.100 (validate prints a warning), removed in 6.0 with reset as the only
behaviour.

**Ordering and eventual consistency handled here.**
The account setting is made after the role's policy is attached (API Gateway checks the
role when it is set; the provider retries while IAM propagates), and the stage and the
method settings wait for it and for both log groups. A new ACM certificate is used only
through ``aws_acm_certificate_validation``, which waits until it is issued: a domain name
cannot be created with a pending certificate. The deployment depends on every integration
(a deployment of a method without an integration fails). The certificate is created before
the old one is destroyed, so a replacement never leaves the domain without one.

**One name in both regions.** A request reaches a custom domain by its host name, so
failover records for a shared name (``api.<domain>``) need that same ``domain_name`` in
both regions (a regional custom domain name exists per region). With DNS validation both
regions then write the same validation CNAME (ACM uses one record per domain name and
account), hence ``allow_overwrite``; destroying one region alone removes the record the
other's certificate renews with. Distinct names per region (``api-<region code>.<domain>``)
have neither effect but cannot carry failover by themselves.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from cdktf import Fn, TerraformResourceLifecycle, Token
from cdktf_cdktf_provider_aws.acm_certificate import AcmCertificate, AcmCertificateOptions
from cdktf_cdktf_provider_aws.acm_certificate_validation import AcmCertificateValidation
from cdktf_cdktf_provider_aws.api_gateway_account import ApiGatewayAccount
from cdktf_cdktf_provider_aws.api_gateway_base_path_mapping import ApiGatewayBasePathMapping
from cdktf_cdktf_provider_aws.api_gateway_deployment import ApiGatewayDeployment
from cdktf_cdktf_provider_aws.api_gateway_domain_name import (
    ApiGatewayDomainName,
    ApiGatewayDomainNameEndpointConfiguration,
)
from cdktf_cdktf_provider_aws.api_gateway_integration import ApiGatewayIntegration
from cdktf_cdktf_provider_aws.api_gateway_method import ApiGatewayMethod
from cdktf_cdktf_provider_aws.api_gateway_method_settings import (
    ApiGatewayMethodSettings,
    ApiGatewayMethodSettingsSettings,
)
from cdktf_cdktf_provider_aws.api_gateway_resource import ApiGatewayResource
from cdktf_cdktf_provider_aws.api_gateway_rest_api import (
    ApiGatewayRestApi,
    ApiGatewayRestApiEndpointConfiguration,
)
from cdktf_cdktf_provider_aws.api_gateway_stage import (
    ApiGatewayStage,
    ApiGatewayStageAccessLogSettings,
)
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.route53_health_check import Route53HealthCheck
from cdktf_cdktf_provider_aws.route53_record import Route53Record
from constructs import Construct

from constructs_lib.application.regional_service import RegionalService
from constructs_lib.checks import skip_checks
from constructs_lib.naming import Namer
from constructs_lib.security.regional_key import RegionalKey
from constructs_lib.security.trust import service_trust_policy
from dr_lambdas.contract import API_HEALTH_FAILURES, API_HEALTH_INTERVAL_SECONDS

# acm-<partition>: arn:aws:acm:<region>:<account>:certificate/<uuid> (ACM API reference).
CERTIFICATE_ARN = re.compile(
    r"^arn:aws(?:-[a-z]+)*:acm:(?P<region>[a-z0-9-]+):\d{12}:certificate/[0-9a-f-]{36}$"
)
# A host name: lowercase labels of 1..63 letters, digits and inner hyphens, 253 at most.
HOST_NAME = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# Route 53 hosted zone ids: uppercase letters and digits (``Z0123456789ABCDEFGHIJ``).
ZONE_ID = re.compile(r"^[A-Z0-9]{1,32}$")
# Stage names: letters, digits, hyphens and underscores, 1..128 (CreateStage).
STAGE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
# Route 53 checks every 10 s ("fast") or 30 s; 1..10 failures turn it unhealthy.
HEALTH_CHECK_INTERVALS = (10, 30)
HEALTH_ROUTE = "/health"  # dr_lambdas/app_service/handler.py
CLOUDWATCH_ROLE_POLICY = "AmazonAPIGatewayPushToCloudWatchLogs"
# One JSON object per request ($context variables: set-up-logging.html,
# api-gateway-mapping-template-reference.html#context-variable-reference).
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "extendedRequestId": "$context.extendedRequestId",
        "requestTime": "$context.requestTime",
        "ip": "$context.identity.sourceIp",
        "userAgent": "$context.identity.userAgent",
        "domainName": "$context.domainName",
        "httpMethod": "$context.httpMethod",
        "path": "$context.path",
        "resourcePath": "$context.resourcePath",
        "protocol": "$context.protocol",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "responseLatency": "$context.responseLatency",
        "integrationStatus": "$context.integration.status",
        "integrationLatency": "$context.integration.latency",
        "integrationError": "$context.integration.error",
        "xrayTraceId": "$context.xrayTraceId",
    },
    separators=(",", ":"),
)


@dataclass(frozen=True, kw_only=True)
class RegionalApiProps:
    provider: AwsProvider
    region: str
    namer: Namer
    key: RegionalKey
    # This region's service; the API invokes its function.
    service: RegionalService
    # Default: "live"; part of every invoke URL and of the health check's path.
    stage_name: str = "live"
    # Custom domain (optional). Default: none, the API answers on its execute-api host only.
    # The full name clients use in this region (e.g. "api.example.com" in both regions for
    # failover records, or "api-use1.example.com"), with exactly one of:
    domain_name: str | None = None
    # an ACM certificate of this region that covers domain_name (imported or requested
    # outside this stack, already issued), or
    certificate_arn: str | None = None
    # the public hosted zone of domain_name, where this construct validates a new
    # certificate with DNS records.
    public_zone_id: str | None = None
    # Default: none. A name both regions answer for (e.g. "api.example.com"), the name of
    # the failover records: API Gateway picks the API by the request's host, so each region
    # needs a custom domain of that name too, on the same certificate.
    shared_domain_name: str | None = None
    # Default: none. Further names the requested certificate covers (e.g. the application's
    # own name, which the public edge presents the same certificate for).
    certificate_names: tuple[str, ...] = ()
    # Default: True, this construct owns the region's API Gateway CloudWatch role setting
    # (see the module docstring for what that means in an account that already has one);
    # False: the setting is left alone and must already be in place.
    manage_account_logging_role: bool = True
    # Default: 100 requests per second steady, bursts of 200, for every method of the
    # stage: ample for the service's health and items routes, far below the account's
    # 10,000 rps regional quota that every API of the region shares.
    throttling_rate_limit: float = 100.0
    throttling_burst_limit: int = 200
    # Default: every 30 s, 3 failures: unhealthy within about 90 s, inside the tier's
    # five-minute recovery budget, at a third of the probes a 10 s ("fast", billed extra)
    # interval sends: every probe from each of Route 53's checkers runs the function and
    # its DynamoDB and Parameter Store reads.
    health_check_interval_seconds: int = API_HEALTH_INTERVAL_SECONDS
    health_check_failure_threshold: int = API_HEALTH_FAILURES
    # Default: one year for the access and execution logs.
    log_retention_days: int = 365


@dataclass(frozen=True)
class ApiCustomDomain:
    """The custom domain of a RegionalApi, what alias records and people point at."""

    domain_name: str
    # API Gateway's regional host name for it and that name's hosted zone: the target of a
    # Route 53 alias record (A / AAAA) for domain_name.
    regional_domain_name: str
    regional_zone_id: str
    certificate_arn: str


class RegionalApi(Construct):
    """A regional REST API in front of the region's service, its stage, logs, health check
    and optional custom domain."""

    def __init__(self, scope: Construct, id: str, props: RegionalApiProps) -> None:
        super().__init__(scope, id)
        _validate(props)
        provider, namer, region, key = props.provider, props.namer, props.region, props.key
        function = props.service.function
        self.api_name = namer.name("api", region)

        self.rest_api = ApiGatewayRestApi(
            self,
            "Resource",
            provider=provider,
            name=self.api_name,
            description=f"The application's regional API in {region}",
            endpoint_configuration=ApiGatewayRestApiEndpointConfiguration(types=["REGIONAL"]),
            # The execute-api endpoint stays on: the health check probes it.
            disable_execute_api_endpoint=False,
            # A replacement API serves before the old one goes (names need not be unique).
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        api = self.rest_api
        proxy = ApiGatewayResource(
            self,
            "Proxy",
            provider=provider,
            rest_api_id=api.id,
            parent_id=api.root_resource_id,
            path_part="{proxy+}",
        )
        methods, integrations = [], []
        for label, resource_id in (("Root", api.root_resource_id), ("Proxy", proxy.id)):
            method = ApiGatewayMethod(
                self,
                f"{label}Method",
                provider=provider,
                rest_api_id=api.id,
                resource_id=resource_id,
                http_method="ANY",
                authorization="NONE",
            )
            skip_checks(
                method,
                {
                    "CKV_AWS_59": "the application's public API: Route 53 health checkers "
                    "cannot sign requests, and SigV4 (AWS_IAM) ties a signature to one "
                    "region, which a client following a failover name cannot know; an "
                    "authorizer is the application's to choose",
                    "CKV2_AWS_53": "a Lambda proxy integration passes the request as is; "
                    "the service validates ids and bodies itself (ITEM_ID, MAX_BODY_BYTES)",
                },
            )
            methods.append(method)
            integrations.append(
                ApiGatewayIntegration(
                    self,
                    f"{label}Integration",
                    provider=provider,
                    rest_api_id=api.id,
                    resource_id=resource_id,
                    http_method=method.http_method,
                    type="AWS_PROXY",
                    # Lambda is always invoked with POST, whatever the client's method.
                    integration_http_method="POST",
                    uri=function.function.invoke_arn,
                )
            )
        self.permission = function.allow_invoke(
            self,
            "Permission",
            statement_id="AllowApiGateway",
            principal="apigateway.amazonaws.com",
            source_arn=f"{api.execution_arn}/*/*",
        )
        # allow_invoke names the function by its literal name, which orders nothing: wait
        # for the function, or AddPermission may run first and find no function.
        lambda_function = function.function
        self.permission.depends_on = [
            f"{lambda_function.terraform_resource_type}.{lambda_function.friendly_unique_id}"
        ]

        self.deployment = ApiGatewayDeployment(
            self,
            "Deployment",
            provider=provider,
            rest_api_id=api.id,
            description=f"{self.api_name}: resources, methods and proxy integrations",
            # A new deployment whenever what is deployed changes; the ids change when a
            # resource is replaced, the URIs when the function is.
            triggers={
                "redeployment": Fn.sha1(
                    Fn.jsonencode(
                        [proxy.id, proxy.path_part]
                        + [m.id for m in methods]
                        + [m.authorization for m in methods]
                        + [i.id for i in integrations]
                        + [i.uri for i in integrations]
                    )
                )
            },
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
            depends_on=integrations,
        )

        ready = self._logging(props)
        retention = props.log_retention_days
        self.access_log_group = key.log_group(
            self,
            "AccessLogs",
            name=f"/aws/apigateway/{namer.name('api-access', region)}",
            retention_days=retention,
        )
        # The name API Gateway writes execution logs to; created first, with our key.
        self.execution_log_group = key.log_group(
            self,
            "ExecutionLogs",
            name=f"API-Gateway-Execution-Logs_{api.id}/{props.stage_name}",
            retention_days=retention,
        )
        self.stage = ApiGatewayStage(
            self,
            "Stage",
            provider=provider,
            rest_api_id=api.id,
            deployment_id=self.deployment.id,
            stage_name=props.stage_name,
            description=f"{self.api_name}: the deployment in service",
            xray_tracing_enabled=True,
            access_log_settings=ApiGatewayStageAccessLogSettings(
                destination_arn=self.access_log_group.arn, format=ACCESS_LOG_FORMAT
            ),
            depends_on=[*ready, self.execution_log_group],
        )
        skip_checks(
            self.stage,
            {
                "CKV_AWS_120": "answers must reflect the region's state at the time of the "
                "request (health, items written in either region); a cache cluster would "
                "serve stale health to Route 53 and costs by the hour",
                "CKV2_AWS_29": "a WAF web ACL is a paid, per-region policy whose rules "
                "depend on the application's clients; this product does not manage WAF, "
                "the stage is throttled, and stage_arn is exposed for an association",
                "CKV2_AWS_51": "client certificates authenticate API Gateway to an HTTP "
                "backend; the only backend here is Lambda, invoked through IAM",
            },
        )
        self.method_settings = ApiGatewayMethodSettings(
            self,
            "MethodSettings",
            provider=provider,
            rest_api_id=api.id,
            stage_name=self.stage.stage_name,
            method_path="*/*",
            settings=ApiGatewayMethodSettingsSettings(
                logging_level="ERROR",
                data_trace_enabled=False,  # never log request or response bodies
                # Per-method metrics too (ApiName/Method/Resource/Stage): the health
                # route's latency and errors apart from the items'; a few custom metrics.
                metrics_enabled=True,
                throttling_rate_limit=props.throttling_rate_limit,
                throttling_burst_limit=props.throttling_burst_limit,
                caching_enabled=False,
                cache_data_encrypted=True,
            ),
            depends_on=[*ready, self.execution_log_group],
        )
        skip_checks(
            self.method_settings,
            {
                "CKV_AWS_225": "no cache: answers must reflect the region's state at the time "
                "of the request (see the stage's CKV_AWS_120)"
            },
        )

        partition = DataAwsPartition(self, "Partition", provider=provider)
        self.api_id = api.id
        self.execution_arn = api.execution_arn
        self.stage_name = self.stage.stage_name
        self.stage_arn = self.stage.arn
        self.invoke_url = self.stage.invoke_url
        self.invoke_host = f"{api.id}.execute-api.{region}.{partition.dns_suffix}"
        self.health_path = f"/{props.stage_name}{HEALTH_ROUTE}"

        # Route 53 waits 4 s to connect and 2 s for the answer, and wants a 2xx or 3xx
        # (dns-failover-determining-health-of-endpoints.html); the function answers 503
        # naming the first regional dependency that fails.
        self.health_check = Route53HealthCheck(
            self,
            "HealthCheck",
            provider=provider,
            type="HTTPS",
            fqdn=self.invoke_host,
            port=443,
            resource_path=self.health_path,
            enable_sni=True,  # execute-api serves many hosts on one address
            request_interval=props.health_check_interval_seconds,
            failure_threshold=props.health_check_failure_threshold,
            measure_latency=True,
            tags={"Name": namer.name("api-health", region)},
        )
        self.health_check_id = self.health_check.id

        self.certificate: AcmCertificate | None = None
        self.custom_domain: ApiCustomDomain | None = None
        if props.domain_name is not None:
            self.custom_domain = self._custom_domain(props)

    def _logging(self, props: RegionalApiProps) -> list:
        """The region's API Gateway CloudWatch role setting, when this construct owns it:
        what the stage and its method settings must wait for."""
        if not props.manage_account_logging_role:
            self.logging_role = None
            self.account = None
            return []
        key, provider = props.key, props.provider
        # API Gateway does not document the confused-deputy keys for this role; the
        # condition refuses a request from another account that carries them and never
        # the service's own (the role is set by UpdateAccount in this account only).
        trust = service_trust_policy(
            None, "apigateway.amazonaws.com", key.account_id, "StringEqualsIfExists"
        )
        self.logging_role = IamRole(
            self,
            "LoggingRole",
            provider=provider,
            name=props.namer.name("api-logs", props.region),
            description=f"API Gateway's CloudWatch Logs role in {props.region}",
            assume_role_policy=trust,
        )
        attachment = IamRolePolicyAttachment(
            self,
            "LoggingPolicy",
            provider=provider,
            role=self.logging_role.name,
            policy_arn=f"arn:{key.partition}:iam::aws:policy/service-role/{CLOUDWATCH_ROLE_POLICY}",
        )
        self.account = ApiGatewayAccount(
            self,
            "Account",
            provider=provider,
            cloudwatch_role_arn=self.logging_role.arn,
            # Destroy clears the region's setting rather than leave it on a deleted role.
            reset_on_delete=True,
            depends_on=[attachment],
        )
        return [self.account]

    def _custom_domain(self, props: RegionalApiProps) -> ApiCustomDomain:
        provider, domain_name = props.provider, props.domain_name
        certificate_arn = props.certificate_arn
        if certificate_arn is None:
            alternatives = [
                n for n in (props.shared_domain_name, *props.certificate_names) if n is not None
            ]
            self.certificate = AcmCertificate(
                self,
                "Certificate",
                provider=provider,
                domain_name=domain_name,
                subject_alternative_names=alternatives or None,
                validation_method="DNS",
                options=AcmCertificateOptions(
                    certificate_transparency_logging_preference="ENABLED"
                ),
                lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
                tags={"Name": domain_name},
            )
            # One record per name to validate. The names are known at synth, so each record
            # is declared on its own and takes its values from the certificate at apply:
            # a for_each over domain_validation_options cannot be planned (its keys come
            # from a set Terraform only knows after the certificate exists).
            certificate = self.certificate.fqn

            def record_field(name: str, field: str) -> str:
                return (
                    f"${{[for o in {certificate}.domain_validation_options : o.{field} "
                    f'if o.domain_name == "{name}"][0]}}'
                )

            records = [
                Route53Record(
                    self,
                    f"CertificateValidation{i}",
                    # Route 53 is global: any region's provider manages its records.
                    provider=provider,
                    zone_id=props.public_zone_id,
                    name=record_field(name, "resource_record_name"),
                    type=record_field(name, "resource_record_type"),
                    records=[record_field(name, "resource_record_value")],
                    ttl=60,
                    # The other region's certificate for the same name writes the same record.
                    allow_overwrite=True,
                )
                for i, name in enumerate([domain_name, *alternatives])
            ]
            validation = AcmCertificateValidation(
                self,
                "CertificateIssued",
                provider=provider,
                certificate_arn=self.certificate.arn,
                validation_record_fqdns=[record.fqdn for record in records],
            )
            certificate_arn = validation.certificate_arn
        self.domain = self._domain("Domain", "Mapping", domain_name, certificate_arn, provider)
        self.shared_domain: ApiCustomDomain | None = None
        if props.shared_domain_name is not None:
            shared = self._domain(
                "SharedDomain", "SharedMapping", props.shared_domain_name, certificate_arn, provider
            )
            self.shared_domain = _custom(shared, certificate_arn)
        return _custom(self.domain, certificate_arn)

    def _domain(
        self, id: str, mapping_id: str, name: str, certificate_arn: str, provider: AwsProvider
    ) -> ApiGatewayDomainName:
        """A regional custom domain ``name`` on ``certificate_arn``, mapped to the stage."""
        domain = ApiGatewayDomainName(
            self,
            id,
            provider=provider,
            domain_name=name,
            regional_certificate_arn=certificate_arn,
            endpoint_configuration=ApiGatewayDomainNameEndpointConfiguration(types=["REGIONAL"]),
            security_policy="TLS_1_2",
        )
        ApiGatewayBasePathMapping(
            self,
            mapping_id,
            provider=provider,
            api_id=self.rest_api.id,
            stage_name=self.stage.stage_name,
            domain_name=domain.domain_name,
        )
        return domain


def _custom(domain: ApiGatewayDomainName, certificate_arn: str) -> ApiCustomDomain:
    return ApiCustomDomain(
        domain_name=domain.domain_name,
        regional_domain_name=domain.regional_domain_name,
        regional_zone_id=domain.regional_zone_id,
        certificate_arn=certificate_arn,
    )


def _validate(props: RegionalApiProps) -> None:
    """Every check of RegionalApiProps, before any resource exists; tokens are skipped."""

    def known(value) -> bool:
        return value is not None and not Token.is_unresolved(value)

    if known(props.stage_name) and not STAGE_NAME.match(props.stage_name):
        raise ValueError(
            "stage_name must be 1..128 letters, digits, hyphens or underscores, "
            f"got {props.stage_name!r}"
        )
    if known(props.throttling_rate_limit) and not props.throttling_rate_limit > 0:
        raise ValueError(
            f"throttling_rate_limit must be > 0 requests per second, "
            f"got {props.throttling_rate_limit}"
        )
    if known(props.throttling_burst_limit) and not props.throttling_burst_limit >= 1:
        raise ValueError(
            f"throttling_burst_limit must be >= 1 request, got {props.throttling_burst_limit}"
        )
    interval = props.health_check_interval_seconds
    if known(interval) and interval not in HEALTH_CHECK_INTERVALS:
        raise ValueError(f"health_check_interval_seconds must be 10 or 30, got {interval}")
    threshold = props.health_check_failure_threshold
    if known(threshold) and not 1 <= threshold <= 10:
        raise ValueError(f"health_check_failure_threshold must be 1..10, got {threshold}")

    domain, arn, zone = props.domain_name, props.certificate_arn, props.public_zone_id
    for field, name in [("shared_domain_name", props.shared_domain_name)] + [
        ("certificate_names", n) for n in props.certificate_names
    ]:
        if name is not None and known(name) and not HOST_NAME.match(name):
            raise ValueError(f"{field} must be lowercase host names, got {name!r}")
    if props.certificate_names and zone is None:
        raise ValueError(
            "certificate_names are names of the certificate this construct requests: they "
            f"need public_zone_id, got {props.certificate_names!r} and no public_zone_id"
        )
    if domain is None:
        if props.shared_domain_name is not None:
            raise ValueError(
                f"shared_domain_name needs a domain_name, got {props.shared_domain_name!r}"
            )
        for field, value in (("certificate_arn", arn), ("public_zone_id", zone)):
            if value is not None:
                raise ValueError(
                    f"{field} is only used with a domain_name, got {field}={value!r} "
                    "and no domain_name"
                )
        return
    if known(domain) and not HOST_NAME.match(domain):
        raise ValueError(
            "domain_name must be a lowercase host name (labels of letters, digits and "
            f"hyphens, no wildcard), got {domain!r}"
        )
    if (arn is None) == (zone is None):
        raise ValueError(
            "domain_name needs exactly one of certificate_arn (a certificate of this "
            "region) or public_zone_id (to request and validate one), got "
            f"certificate_arn={arn!r}, public_zone_id={zone!r}"
        )
    if known(arn):
        match = CERTIFICATE_ARN.match(arn)
        if match is None:
            raise ValueError(
                "certificate_arn must be an ACM certificate ARN "
                f"(arn:aws:acm:<region>:<account>:certificate/<id>), got {arn!r}"
            )
        if match["region"] != props.region:
            raise ValueError(
                f"certificate_arn must be in {props.region} (a regional custom domain takes "
                f"a certificate of its own region), got one in {match['region']}: {arn!r}"
            )
    if known(zone) and not ZONE_ID.match(zone):
        raise ValueError(
            f"public_zone_id must be a hosted zone id (uppercase letters and digits, "
            f"e.g. Z0123456789ABC), got {zone!r}"
        )
