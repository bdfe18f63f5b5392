"""A real PostgreSQL primary and streaming replica on loopback, made and removed by a test.

::

    with PgCluster() as cluster:                  # or: a fixture that yields PgCluster()
        cluster.primary.port, cluster.replica.port, cluster.ca_file
        cluster.kill_primary()                    # pg_ctl stop -m immediate
        cluster.promote(cluster.replica)          # SELECT pg_promote()

Everything lives in one temporary directory: the data directories, the Unix sockets, the
logs and a throw-away CA plus server certificate made with the ``openssl`` CLI. Both
servers listen on 127.0.0.1 only, on free ports, with ``ssl = on``; TCP clients must use TLS
(``hostssl`` lines only, ``hostnossl ... reject``) and a SCRAM password. The Unix socket
(private to the temporary directory) trusts the superuser, for set-up and inspection.

With ``replica_host`` (for example ``127.0.0.2``) the replica listens on that loopback
address and on the primary's port, as two regions' databases do: one port, two hosts. The
e2e drill uses that to stand in for the two regions' endpoints.

Every wait is bounded, and ``close()`` (also on a failed start) stops both servers and
removes the directory. When the tests run as root the server commands run as the
``postgres`` OS user, since PostgreSQL refuses to run as root. Used by the tests and the
e2e drill.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pg8000.native

LOOPBACK = "127.0.0.1"
COMMAND_TIMEOUT = 60  # seconds, for any one server command (initdb, pg_ctl, pg_basebackup)
WAIT_TIMEOUT = 20  # seconds, for any one "wait until" loop
SERVER_OS_USER = "postgres"
# openssl req options for a new P-256 key, unencrypted (nobody is there to type a passphrase).
NEW_KEY = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")


def free_port() -> int:
    """A TCP port free on loopback right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def _bin_dir() -> Path:
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("initdb is not on PATH: PostgreSQL server binaries are needed")
    return Path(os.path.realpath(initdb)).parent


def _tool(name: str) -> str:
    """A PostgreSQL program from the same installation as ``initdb`` (same major version)."""
    same_version = _bin_dir() / name
    if same_version.exists():
        return str(same_version)
    found = shutil.which(name) or f"/usr/bin/{name}"
    return found


@dataclass
class PgNode:
    name: str
    port: int
    data_dir: Path
    socket_dir: Path
    log_file: Path
    running: bool = False
    host: str = LOOPBACK

    @property
    def unix_socket(self) -> str:
        return str(self.socket_dir / f".s.PGSQL.{self.port}")


@dataclass(kw_only=True, eq=False)
class PgCluster:
    """A primary and (unless ``with_replica=False``) a streaming replica, both with TLS."""

    user: str = "canary"
    password: str = field(default="canary-Pa55word", repr=False)
    database: str = "drill"
    with_replica: bool = True
    # Another loopback address puts the replica on the primary's port (two "regions").
    replica_host: str = LOOPBACK
    host: str = field(default=LOOPBACK, init=False)
    base: Path | None = field(default=None, init=False)
    primary: PgNode | None = field(default=None, init=False)
    replica: PgNode | None = field(default=None, init=False)
    _replication_password: str = field(default="replicator-Pa55word", init=False, repr=False)
    _run_as: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _owner: tuple[int, int] | None = field(default=None, init=False, repr=False)

    # Life cycle -------------------------------------------------------------------------

    def __enter__(self) -> PgCluster:
        self.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def start(self) -> PgCluster:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def _start(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="pgcluster-"))
        if os.geteuid() == 0:
            entry = pwd.getpwnam(SERVER_OS_USER)
            self._run_as = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
            self._owner = (entry.pw_uid, entry.pw_gid)
        else:
            self._owner = None
        self._own(self.base)
        sockets = self._mkdir("run")
        self._make_certificates(self._mkdir("tls"))

        self.primary = PgNode(
            "primary", free_port(), self.base / "primary", sockets, self.base / "primary.log"
        )
        self._cmd(
            _tool("initdb"),
            "-D",
            self.primary.data_dir,
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        self._configure(self.primary)
        self.start_node(self.primary)
        self.sql(
            self.primary,
            f"CREATE ROLE {self.user} LOGIN PASSWORD '{self.password}'",
            f"CREATE ROLE replicator REPLICATION LOGIN PASSWORD '{self._replication_password}'",
            f"CREATE DATABASE {self.database} OWNER {self.user}",
        )
        if self.with_replica:
            self.add_replica()

    def add_replica(self) -> PgNode:
        """A streaming replica of the primary: ``pg_basebackup -R`` over TLS (verify-ca)."""
        own_host = self.replica_host != LOOPBACK
        replica = PgNode(
            "replica",
            self.primary.port if own_host else free_port(),
            self.base / "replica",
            self._mkdir("run-replica") if own_host else self.primary.socket_dir,
            self.base / "replica.log",
            host=self.replica_host,
        )
        conninfo = (
            f"host={LOOPBACK} port={self.primary.port} user=replicator "
            f"password={self._replication_password} sslmode=verify-ca "
            f"sslrootcert={self.ca_file} application_name=replica"
        )
        self._cmd(
            _tool("pg_basebackup"),
            "-D",
            replica.data_dir,
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
            "-d",
            conninfo,
        )
        with open(replica.data_dir / "postgresql.conf", "a") as conf:
            conf.write(
                f"\n# pg_cluster.py: the replica's own address\n"
                f"listen_addresses = '{replica.host}'\nport = {replica.port}\n"
                f"unix_socket_directories = '{replica.socket_dir}'\n"
            )
        self.replica = replica
        self.start_node(replica)
        self.wait_until(
            lambda: (
                self.sql(
                    self.primary,
                    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'",
                )[0][0]
                == 1
            ),
            "the replica to stream from the primary",
        )
        return replica

    def close(self) -> None:
        """Stop both servers (immediately) and remove every file. Safe to call twice."""
        for node in (self.replica, self.primary):
            if node is not None:
                with contextlib.suppress(Exception):
                    self.stop(node, mode="immediate")
                self._kill_leftover(node)
        if self.base is not None:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None

    # Server control -----------------------------------------------------------------------

    def start_node(self, node: PgNode) -> None:
        self._cmd(
            _tool("pg_ctl"),
            "-D",
            node.data_dir,
            "-l",
            node.log_file,
            "-w",
            "-t",
            str(WAIT_TIMEOUT),
            "start",
        )
        node.running = True

    def stop(self, node: PgNode, mode: str = "fast") -> None:
        """``pg_ctl stop -m <mode>``; ``immediate`` is a crash: no checkpoint, no goodbye."""
        if not (node.data_dir / "postmaster.pid").exists():
            node.running = False
            return
        self._cmd(
            _tool("pg_ctl"), "-D", node.data_dir, "-m", mode, "-w", "-t", str(WAIT_TIMEOUT), "stop"
        )
        node.running = False

    def kill_primary(self) -> None:
        self.stop(self.primary, mode="immediate")

    def promote(self, node: PgNode) -> None:
        """``SELECT pg_promote()`` (it waits up to 60 s by default; bounded here to 20 s)."""
        ((promoted,),) = self.sql(node, f"SELECT pg_promote(true, {WAIT_TIMEOUT})")
        if not promoted:
            raise RuntimeError(f"pg_promote() on {node.name} did not finish in {WAIT_TIMEOUT} s")

    def _kill_leftover(self, node: PgNode) -> None:
        """Last resort when pg_ctl failed: SIGKILL the postmaster we started, by its pid."""
        pid_file = node.data_dir / "postmaster.pid"
        with contextlib.suppress(Exception):
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, signal.SIGKILL)

    # SQL as the superuser, over the private Unix socket -------------------------------------

    @contextlib.contextmanager
    def admin(self, node: PgNode, database: str = "postgres") -> Iterator[pg8000.native.Connection]:
        connection = pg8000.native.Connection(
            "postgres", unix_sock=node.unix_socket, database=database, timeout=WAIT_TIMEOUT
        )
        try:
            yield connection
        finally:
            with contextlib.suppress(Exception):
                connection.close()

    def sql(self, node: PgNode, *statements: str, database: str = "postgres") -> list:
        """Run the statements in order; the rows of the last one."""
        rows: list = []
        with self.admin(node, database) as connection:
            for statement in statements:
                rows = connection.run(statement)
        return rows

    def wait_for_replay(self) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        ((target,),) = self.sql(self.primary, "SELECT pg_current_wal_lsn()::text")
        replayed = f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"
        self.wait_until(
            lambda: self.sql(self.replica, replayed)[0][0], f"the replica to replay up to {target}"
        )

    @staticmethod
    def wait_until(
        condition, what: str, timeout: float = WAIT_TIMEOUT, every: float = 0.05
    ) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            try:
                if condition():
                    return
            except Exception as exc:  # noqa: BLE001 - e.g. the server is still starting
                last_error = exc
            time.sleep(every)
        raise TimeoutError(f"waited {timeout:g} s for {what}; last error: {last_error!r}")

    # Files ---------------------------------------------------------------------------------

    def other_ca(self) -> str:
        """A second CA, unrelated to the one that signed the server certificate."""
        path = self.base / "tls" / "other-ca.crt"
        if not path.exists():
            self._make_ca(self.base / "tls", "other-ca", "pg_cluster unrelated CA")
        return str(path)

    @property
    def ca_file(self) -> str:
        return str(self.base / "tls" / "ca.crt")

    def _make_certificates(self, tls: Path) -> None:
        self._make_ca(tls, "ca", "pg_cluster test CA")
        (tls / "server.ext").write_text(
            "basicConstraints = critical, CA:FALSE\n"
            "keyUsage = critical, digitalSignature, keyEncipherment\n"
            "extendedKeyUsage = serverAuth\n"
            "subjectKeyIdentifier = hash\n"
            "authorityKeyIdentifier = keyid, issuer\n"
            f"subjectAltName = DNS:localhost, IP:{LOOPBACK}"
            + (f", IP:{self.replica_host}" if self.replica_host != LOOPBACK else "")
            + "\n"
        )
        self._openssl(
            "req",
            "-new",
            *NEW_KEY,
            "-keyout",
            tls / "server.key",
            "-out",
            tls / "server.csr",
            "-subj",
            "/CN=localhost",
        )
        self._openssl(
            "x509",
            "-req",
            "-in",
            tls / "server.csr",
            "-CA",
            tls / "ca.crt",
            "-CAkey",
            tls / "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            tls / "server.ext",
            "-out",
            tls / "server.crt",
        )
        # The server refuses a key others can read; it must belong to the server's OS user.
        os.chmod(tls / "server.key", 0o600)
        for path in tls.iterdir():
            self._own(path)

    def _make_ca(self, tls: Path, stem: str, common_name: str) -> None:
        config = tls / f"{stem}.cnf"
        config.write_text(
            "[req]\ndistinguished_name = dn\nprompt = no\n"
            f"[dn]\nCN = {common_name}\n"
            "[v3_ca]\nbasicConstraints = critical, CA:TRUE\n"
            "keyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\n"
        )
        self._openssl(
            "req",
            "-x509",
            "-config",
            config,
            "-extensions",
            "v3_ca",
            *NEW_KEY,
            "-keyout",
            tls / f"{stem}.key",
            "-out",
            tls / f"{stem}.crt",
            "-days",
            "2",
        )
        self._own(tls / f"{stem}.crt")

    def _configure(self, node: PgNode) -> None:
        tls = self.base / "tls"
        with open(node.data_dir / "postgresql.conf", "a") as conf:
            conf.write(f"""
# pg_cluster.py
listen_addresses = '{LOOPBACK}'
port = {node.port}
unix_socket_directories = '{node.socket_dir}'
ssl = on
ssl_cert_file = '{tls / "server.crt"}'
ssl_key_file = '{tls / "server.key"}'
password_encryption = 'scram-sha-256'
wal_level = replica
max_wal_senders = 5
wal_keep_size = '128MB'
hot_standby = on
max_connections = 30
shared_buffers = '32MB'
# No OS crash happens in these tests (a killed server's writes are still in the page
# cache), so skipping fsync changes nothing they measure and makes them fast.
fsync = off
""")
        (node.data_dir / "pg_hba.conf").write_text(
            "# TYPE    DATABASE     USER        ADDRESS        METHOD\n"
            "local     all          all                        trust\n"
            "hostssl   replication  replicator  127.0.0.0/8    scram-sha-256\n"
            "hostssl   all          all         127.0.0.0/8    scram-sha-256\n"
            "hostnossl all          all         0.0.0.0/0      reject\n"
        )

    def _mkdir(self, name: str) -> Path:
        path = self.base / name
        path.mkdir(mode=0o700)
        self._own(path)
        return path

    def _own(self, path: Path) -> None:
        if self._owner is not None:
            os.chown(path, *self._owner)

    def _openssl(self, *args: Any) -> None:
        subprocess.run(
            ["openssl", *map(str, args)], check=True, capture_output=True, timeout=COMMAND_TIMEOUT
        )

    def _env(self) -> dict[str, str]:
        # A clean environment: no PG* variables from the caller, and a HOME of our own so
        # libpq does not look for client certificates in the caller's ~/.postgresql.
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LC_ALL": "C",
            "HOME": str(self.base),
        }

    def _cmd(self, *args: Any) -> None:
        """A server program, as the server's OS user; its output is in the error on failure."""
        command = [str(a) for a in args]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            cwd=self.base,
            env=self._env(),
            **self._run_as,
        )
        if done.returncode != 0:
            logs = ""
            for node in (self.primary, self.replica):
                if node is not None and node.log_file.exists():
                    logs += (
                        f"\n--- {node.log_file.name} (tail) ---\n"
                        + node.log_file.read_text(errors="replace")[-2000:]
                    )
            raise RuntimeError(
                f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}{logs}"
            )
