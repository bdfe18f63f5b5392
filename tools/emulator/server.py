"""The emulator's server: moto on a loopback port, in a thread of this process.

:class:`Emulator` starts it and always stops it, as a context; :func:`main` is
``python -m tools.emulator``."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import boto3
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from tools.emulator import lambda_ as emulator_lambda
from tools.emulator import rules as emulator_rules
from tools.emulator.cloudwatch import lambda_deliveries

TEST_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
STARTUP_TIMEOUT_SECONDS = 30.0
# The moto release whose source these patches were written against.
MOTO_VERSION_CHECKED = "5.2.5"


class Emulator:
    """moto's server on ``host`` (loopback by default), started and always stopped as a context.

    ``port=0`` (the default) lets the operating system pick a free port at bind time, so there is
    no window in which another process can take it.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        startup_timeout: float = STARTUP_TIMEOUT_SECONDS,
        log_requests: bool = False,
        lambda_concurrency_quota: int | None = None,
    ) -> None:
        self.host = host
        self.port = port
        # The account's Lambda concurrency quota (None: not enforced). A new AWS account's
        # is 10, all of it the unreserved minimum (tools/emulator/rules.py, rule 4).
        self.lambda_concurrency_quota = lambda_concurrency_quota
        self.startup_timeout = startup_timeout
        self.log_requests = log_requests
        self._server: ThreadedMotoServer | None = None
        self._running = False
        self._bound_port = 0  # the port actually bound, known once started

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        # Runs for normal exit, exceptions and KeyboardInterrupt alike; never swallows them.
        self.stop()

    def start(self) -> Emulator:
        """Apply the patches, start the server and wait (bounded) until it answers."""
        if self._running:
            return self
        from tools.emulator import apply_patches  # the package, which imports this module

        apply_patches()
        if self.lambda_concurrency_quota is None:
            os.environ.pop(emulator_rules.QUOTA_VARIABLE, None)
        else:
            os.environ[emulator_rules.QUOTA_VARIABLE] = str(self.lambda_concurrency_quota)
        # The server logs one line per request through werkzeug's logger (INFO): hundreds of
        # lines for a Terraform run. Errors still reach the client in the responses.
        logging.getLogger("werkzeug").setLevel(
            logging.INFO if self.log_requests else logging.WARNING
        )
        deadline = time.monotonic() + self.startup_timeout
        server = ThreadedMotoServer(ip_address=self.host, port=self.port, verbose=False)
        # ThreadedMotoServer.start() waits without a timeout for the bind to succeed (and waits
        # forever if it fails), so call it from a helper thread and bound the wait here.
        starter = threading.Thread(target=server.start, name="moto-start", daemon=True)
        starter.start()
        try:
            starter.join(self.startup_timeout)
            if starter.is_alive():
                raise RuntimeError(
                    f"moto server did not bind {self.host}:{self.port} within "
                    f"{self.startup_timeout:.0f} s"
                )
            self._server, self._running = server, True
            self._bound_port = server.get_host_and_port()[1]
            emulator_lambda.serve_at(self.endpoint)
            self._wait_until_answering(deadline)
            self.reset()
        except BaseException:  # including KeyboardInterrupt while waiting
            if not starter.is_alive():  # the server is bound and serving: stop it
                self._server, self._running = server, True
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server if it runs; safe to call more than once."""
        if self._running and self._server is not None:
            self._running = False
            emulator_lambda.stop_serving(f"http://{self.host}:{self._bound_port}")
            self._server.stop()
            if self.lambda_concurrency_quota is not None:
                os.environ.pop(emulator_rules.QUOTA_VARIABLE, None)
        self._server = None

    def _wait_until_answering(self, deadline: float) -> None:
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # any HTTP answer means the server is up
            except OSError as error:  # refused, reset, timed out
                last_error = error
                time.sleep(0.05)
        raise RuntimeError(f"moto server at {self.endpoint} did not answer: {last_error}")

    # -- use -------------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        if not self._running:
            raise RuntimeError("the emulator is not running")
        return f"http://{self.host}:{self._bound_port}"

    def client(self, service: str, region: str = "us-east-1", **kwargs: Any) -> Any:
        """A boto3 client for ``service`` in ``region`` that talks to this emulator."""
        return boto3.client(
            service, region_name=region, endpoint_url=self.endpoint, **TEST_CREDENTIALS, **kwargs
        )

    def reset(self) -> None:
        """Forget every resource in every service and region (moto's ``/moto-api/reset``)."""
        lambda_deliveries()  # and what SNS handed to functions (cloudwatch.py, w)
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            if response.status != 200:
                raise RuntimeError(f"moto reset answered HTTP {response.status}")


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.emulator [--host H] [--port P]``: serve until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default): any free port")
    args = parser.parse_args(argv)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # `kill PID` stops the server the same way Ctrl-C does.
    signal.signal(signal.SIGTERM, interrupt)
    with Emulator(host=args.host, port=args.port, log_requests=True) as emulator:
        print(emulator.endpoint, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0
