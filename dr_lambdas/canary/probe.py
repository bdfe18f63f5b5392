"""One connectivity probe against a database endpoint: no AWS calls, never raises.

``probe(ProbeSettings(...))`` resolves the host, opens a TCP connection, upgrades it to TLS
(always: there is no plaintext fallback), authenticates with a password and runs one query
that says whether the server accepts writes and, on a PostgreSQL replica, how far behind
the writer its last replayed transaction is. Every failure comes back as a
``ProbeResult`` with ``connected=False`` and an ``error_kind`` an alarm or a log search can
group on, in two classes:

- *could not connect* (``UNREACHABLE_KINDS``): ``dns`` (the name does not resolve),
  ``timeout``, ``refused`` (also a server that answers but does not accept connections:
  starting up, shutting down, out of connection slots) and ``tls`` (the handshake failed).
  The database, as its clients see it, is down.
- anything else is a fault of the probe, not a verdict on the database: ``auth``
  (credentials or permission refused), ``config`` (the probe's own set-up, such as an
  unreadable CA bundle) and ``other`` (an error nobody classified: never read as "down").

Every step is bounded by ``connect_timeout_seconds``: name resolution (run in a daemon
thread, since ``getaddrinfo`` has no timeout of its own), the TCP connect (all addresses
share one deadline) and each socket read or write after that.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Any

POSTGRES_ENGINES = ("aurora-postgresql", "postgres")
MYSQL_ENGINES = ("aurora-mysql",)
ENGINES = POSTGRES_ENGINES + MYSQL_ENGINES
UNREACHABLE_KINDS = ("dns", "timeout", "refused", "tls")
ERROR_KINDS = UNREACHABLE_KINDS + ("auth", "config", "other")

# Longest error text kept in a result (and so in a log line or an alarm description).
_MAX_ERROR_CHARS = 500

# One round trip answers all three questions. The lag is only asked of a server in
# recovery: a promoted replica keeps returning the timestamp of the last transaction it
# replayed before promotion. The value is "now minus the commit time of the last replayed
# transaction", so on an idle writer it grows although nothing is missing: it over-states
# the lag, never under-states it.
_POSTGRES_QUERY = (
    "SELECT 1 AS ok, NOT pg_is_in_recovery() AS writable, "
    "CASE WHEN pg_is_in_recovery() THEN "
    "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000 END AS lag_ms"
)
# Aurora MySQL readers run with innodb_read_only = 1; read_only covers RDS MySQL replicas.
_MYSQL_QUERY = "SELECT 1, @@innodb_read_only = 0 AND @@read_only = 0"

# SQLSTATEs (PostgreSQL) and error numbers (MySQL) that mean "the credentials were refused".
_PG_AUTH_STATES = {"28P01", "28000", "42501"}  # invalid_password, invalid_authorization_
# specification, insufficient_privilege
# The server answers but takes no connection: cannot_connect_now (starting up or shutting
# down), too_many_connections, admin_shutdown, crash_shutdown.
_PG_NOT_ACCEPTING_STATES = {"57P03", "53300", "57P01", "57P02"}
_MYSQL_AUTH_ERRORS = {1044, 1045, 1698}  # database access denied, access denied, no password
_MYSQL_NOT_ACCEPTING_ERRORS = {1040, 1053}  # too many connections, server shutdown
_MYSQL_TLS_ERRORS = {2026}  # CR_SSL_CONNECTION_ERROR (the server does not offer TLS)


@dataclass(frozen=True, kw_only=True)
class ProbeSettings:
    """Where and how to connect. Validated on construction: a bad value is a deploy bug."""

    engine: str  # "aurora-postgresql" | "postgres" | "aurora-mysql"
    host: str
    port: int
    database: str
    user: str
    password: str = field(repr=False)
    # Default: 5 s for each of name resolution, TCP connect and every read or write, so a
    # probe that hangs still finishes well inside a one-minute schedule.
    connect_timeout_seconds: float = 5
    # Default: None, the connection is encrypted but the certificate is not verified.
    # With a PEM bundle (e.g. the RDS global bundle) the chain must verify against it.
    ca_bundle: str | None = None

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        if not self.host:
            raise ValueError(f"host must be a host name or address, got {self.host!r}")
        if not 1 <= int(self.port) <= 65535:
            raise ValueError(f"port must be 1..65535, got {self.port!r}")
        if not self.connect_timeout_seconds > 0:
            raise ValueError(
                f"connect_timeout_seconds must be > 0, got {self.connect_timeout_seconds!r}"
            )


@dataclass(frozen=True, kw_only=True)
class ProbeResult:
    connected: bool  # connected with TLS, authenticated and ran the query
    is_writer: bool | None = None  # None when not connected
    latency_ms: float | None = None  # resolve + connect + TLS + auth + query
    replication_lag_ms: float | None = None  # only on a replica that can tell
    error_kind: str | None = None  # one of ERROR_KINDS when not connected
    error: str | None = None
    host: str | None = None  # the endpoint that gave this result

    @property
    def unreachable(self) -> bool:
        """The probe could not connect: the database is down as its clients see it."""
        return not self.connected and self.error_kind in UNREACHABLE_KINDS

    @property
    def fault(self) -> bool:
        """The probe failed for a reason of its own: it says nothing about the database."""
        return not self.connected and not self.unreachable


class ProbeError(Exception):
    """A failure whose kind is known where it happens (e.g. a resolver that never answers)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def probe(settings: ProbeSettings) -> ProbeResult:
    """Connect, run the probe query, disconnect. Never raises."""
    started = time.perf_counter()
    try:
        if settings.engine in POSTGRES_ENGINES:
            is_writer, lag_ms = _probe_postgres(settings)
        else:
            is_writer, lag_ms = _probe_mysql(settings)
    except Exception as exc:  # noqa: BLE001 - every failure is a result, by contract
        return ProbeResult(
            connected=False, error_kind=classify(exc), error=describe(exc), host=settings.host
        )
    return ProbeResult(
        connected=True,
        host=settings.host,
        is_writer=is_writer,
        latency_ms=round((time.perf_counter() - started) * 1000, 3),
        # A transaction replayed after the query's now() makes the difference slightly
        # negative on a replica that is keeping up: that is zero lag.
        replication_lag_ms=None if lag_ms is None else round(max(lag_ms, 0.0), 3),
    )


def tls_context(ca_bundle: str | None) -> ssl.SSLContext:
    """The client TLS context: always encrypt; verify the chain when a bundle is given.

    The host name is not checked even with a bundle: clients reach the cluster through
    names the RDS certificate does not carry (the Route 53 writer record that moves on
    failover, a custom CNAME), so the check would fail on exactly the names that matter.
    Verifying the chain against the bundle still proves the server holds a key certified
    by that CA. https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.SSL.html
    """
    if ca_bundle:
        try:
            context = ssl.create_default_context(cafile=ca_bundle)  # only this bundle's CAs
        except OSError as exc:  # missing file or not PEM (ssl.SSLError): the probe's set-up
            raise ProbeError("config", f"cannot load CA bundle {ca_bundle!r}: {exc}") from exc
        context.check_hostname = False
        context.verify_mode = ssl.CERT_REQUIRED
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def connect_postgres(settings: ProbeSettings):
    """An open ``pg8000.native.Connection`` made the way the probe makes it (TLS, bounded).

    Raises on failure; ``classify`` tells what kind of failure it was. The caller closes it.
    """
    import pg8000.native

    context = tls_context(settings.ca_bundle)
    sock = open_socket(settings.host, int(settings.port), settings.connect_timeout_seconds)
    try:
        # pg8000 sends the SSLRequest itself and refuses to go on in plaintext when a
        # context is given and the server answers "no" (InterfaceError "Server refuses SSL").
        return pg8000.native.Connection(
            settings.user,
            host=settings.host,
            port=int(settings.port),
            database=settings.database,
            password=settings.password,
            ssl_context=context,
            timeout=settings.connect_timeout_seconds,
            sock=sock,
            application_name="dr-canary",
        )
    except BaseException:
        sock.close()  # pg8000 does not close a socket it was handed when the handshake fails
        raise


def open_socket(host: str, port: int, timeout: float) -> socket.socket:
    """A connected TCP socket; resolution and connect share one deadline of ``timeout``."""
    deadline = time.monotonic() + timeout
    addresses = _resolve(host, port, timeout)
    last_error: OSError | None = None
    for family, socktype, proto, _, address in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"connecting to {host}:{port} took longer than {timeout:g} s")
        sock = socket.socket(family, socktype, proto)
        sock.settimeout(remaining)
        try:
            sock.connect(address)
        except OSError as exc:
            sock.close()
            last_error = exc
            continue
        sock.settimeout(timeout)  # each later read or write gets the full timeout again
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    raise last_error or ProbeError("dns", f"{host!r} resolved to no address")


def _resolve(host: str, port: int, timeout: float) -> list[tuple[Any, ...]]:
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["addresses"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            outcome["error"] = exc

    # A daemon thread so a resolver that never answers cannot hold the probe (or the
    # interpreter at exit); it ends on its own when the resolver gives up.
    worker = threading.Thread(target=work, name="probe-resolve", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise ProbeError("dns", f"resolving {host!r} took longer than {timeout:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["addresses"]


def _probe_postgres(settings: ProbeSettings) -> tuple[bool, float | None]:
    connection = connect_postgres(settings)
    try:
        ((_, writable, lag_ms),) = connection.run(_POSTGRES_QUERY)
    finally:
        _close_quietly(connection)
    return bool(writable), None if lag_ms is None else float(lag_ms)


def _probe_mysql(settings: ProbeSettings) -> tuple[bool, None]:
    import pymysql

    connection = pymysql.connect(
        host=settings.host,
        port=int(settings.port),
        user=settings.user,
        password=settings.password,
        database=settings.database,
        # An SSLContext makes TLS required: PyMySQL fails (2026) instead of falling back.
        ssl=tls_context(settings.ca_bundle),
        connect_timeout=settings.connect_timeout_seconds,
        read_timeout=settings.connect_timeout_seconds,
        write_timeout=settings.connect_timeout_seconds,
        defer_connect=True,
    )
    sock = open_socket(settings.host, int(settings.port), settings.connect_timeout_seconds)
    try:
        connection.connect(sock)  # PyMySQL closes the socket itself when this fails
        with connection.cursor() as cursor:
            cursor.execute(_MYSQL_QUERY)
            (_, writable) = cursor.fetchone()
    finally:
        _close_quietly(connection)
    return bool(writable), None  # MySQL replication lag is not measured by the canary


def _close_quietly(connection: Any) -> None:
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - the connection is being dropped either way
        pass


def _chain(exc: BaseException):
    """The exception, then what caused it (explicitly, implicitly or as PyMySQL records it)."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen or len(seen) >= 10:
            continue
        seen.add(id(current))
        yield current
        pending += [
            current.__cause__,
            current.__context__,
            getattr(current, "original_exception", None),
        ]


def classify(exc: BaseException) -> str:
    """The ``error_kind`` of a failed connection attempt (see ERROR_KINDS)."""
    for current in _chain(exc):
        kind = _kind_of(current)
        if kind is not None:
            return kind
    return "other"


def _kind_of(exc: BaseException) -> str | None:
    if isinstance(exc, ProbeError):
        return exc.kind
    # ssl.SSLError is an OSError: look at it before the socket errors.
    if isinstance(exc, (ssl.SSLError, ssl.CertificateError)):
        return "tls"
    if isinstance(exc, socket.gaierror):
        return "dns"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    fields = exc.args[0] if exc.args else None
    if isinstance(fields, dict):  # pg8000 DatabaseError: the server's ErrorResponse fields
        state = fields.get("C")
        if state in _PG_AUTH_STATES:
            return "auth"
        if state in _PG_NOT_ACCEPTING_STATES:
            return "refused"
        return None
    if isinstance(fields, str) and "refuses SSL" in fields:  # pg8000: server without TLS
        return "tls"
    if type(exc).__module__.startswith("pymysql") and isinstance(fields, int):
        if fields in _MYSQL_AUTH_ERRORS:
            return "auth"
        if fields in _MYSQL_TLS_ERRORS:
            return "tls"
        if fields in _MYSQL_NOT_ACCEPTING_ERRORS:
            return "refused"
    return None


def describe(exc: BaseException) -> str:
    """A one-line description; the server's message rather than pg8000's field dict."""
    fields = exc.args[0] if exc.args else None
    if isinstance(fields, dict):
        text = f"{fields.get('C', '?')}: {fields.get('M', fields)}"
    else:
        text = str(exc) or type(exc).__name__
        causes = [c for c in _chain(exc) if c is not exc and str(c)]
        if causes and str(causes[0]) not in text:
            text = f"{text} ({type(causes[0]).__name__}: {causes[0]})"
    text = f"{type(exc).__name__}: {text}".replace("\n", " ")
    return text[:_MAX_ERROR_CHARS]
