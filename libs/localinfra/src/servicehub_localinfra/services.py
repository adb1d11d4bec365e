"""Runs servicehub's services as real OS processes, for integration tests and `make run`.

Each service is `python -m servicehub_<name>` with its own data folder, gRPC and metrics
ports on 127.0.0.1, and a log file. `ServiceProcess` starts it, waits until gRPC health
says SERVING, and can stop it gracefully (SIGTERM), kill it (SIGKILL) and start it again
on the same ports and data — which is what the crash tests need.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from servicehub_registry import SERVICES

from ._process import (
    death_guard,
    free_port,
    register,
    stop_process,
    tail,
    unregister,
    wait_until,
)

STARTUP_TIMEOUT_SECONDS = 90.0


def is_serving(grpc_address: str, credentials: grpc.ChannelCredentials | None = None) -> bool:
    """True when gRPC health at `grpc_address` says SERVING (over TLS with `credentials`)."""
    channel = grpc.insecure_channel(grpc_address) if credentials is None else grpc.secure_channel(
        grpc_address, credentials
    )
    with channel:
        try:
            response = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=1.0
            )
        except grpc.RpcError:
            return False
    return response.status == health_pb2.HealthCheckResponse.SERVING


class ServiceProcess:
    def __init__(
        self,
        name: str,
        *,
        bootstrap_servers: str,
        data_dir: Path,
        extra_env: Mapping[str, str] | None = None,
        grpc_port: int | None = None,
        metrics_port: int | None = None,
        grpc_credentials: grpc.ChannelCredentials | None = None,
    ) -> None:
        """`grpc_credentials`: how to reach a service whose gRPC server has TLS on."""
        if name not in SERVICES:
            raise ValueError(f"unknown service {name!r}; choose from {', '.join(SERVICES)}")
        self.name = name
        self.grpc_credentials = grpc_credentials
        self.data_dir = data_dir
        self.grpc_port = grpc_port or free_port()
        self.metrics_port = metrics_port or free_port()
        self.log_path = data_dir / f"{name}.log"
        self._env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap_servers,
            "DATA_DIR": str(data_dir),
            "GRPC_PORT": str(self.grpc_port),
            "METRICS_PORT": str(self.metrics_port),
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def grpc_address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> ServiceProcess:
        """Starts the process (appending to its log) without waiting for it."""
        if self.running:
            raise RuntimeError(f"{self.name} is already running (pid {self.pid})")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self._proc = subprocess.Popen(
                [*death_guard(), sys.executable, "-m", f"servicehub_{self.name}"],
                env=self._env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        register(id(self), self.stop)
        return self

    def wait_serving(self, timeout: float = STARTUP_TIMEOUT_SECONDS) -> ServiceProcess:
        assert self._proc is not None, "start() first"
        wait_until(
            self.is_serving,
            timeout=timeout,
            proc=self._proc,
            what=f"service {self.name}",
            log=self.log_path,
        )
        return self

    def is_serving(self) -> bool:
        return is_serving(self.grpc_address, self.grpc_credentials)

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, then SIGKILL after `timeout`; returns the exit code."""
        if self._proc is None:
            return None
        stop_process(self._proc, sig=signal.SIGTERM, timeout=timeout)
        unregister(id(self))
        return self._proc.returncode

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash."""
        if self._proc is not None:
            stop_process(self._proc, sig=signal.SIGKILL, timeout=10)
            unregister(id(self))

    def log_tail(self, lines: int = 60) -> str:
        return tail(self.log_path, lines)


class System:
    """All four services on one broker, each in its own process."""

    def __init__(
        self,
        *,
        bootstrap_servers: str,
        data_dir: Path,
        extra_env: Mapping[str, str] | None = None,
        service_env: Mapping[str, Mapping[str, str]] | None = None,
        ports: Mapping[str, tuple[int, int]] | None = None,
    ) -> None:
        """`extra_env` goes to every service, `service_env[name]` to that one only."""
        self.services = {
            name: ServiceProcess(
                name,
                bootstrap_servers=bootstrap_servers,
                data_dir=data_dir / name,
                extra_env={**(extra_env or {}), **(service_env or {}).get(name, {})},
                grpc_port=(ports or {}).get(name, (None, None))[0],
                metrics_port=(ports or {}).get(name, (None, None))[1],
            )
            for name in SERVICES
        }

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.services[name]

    def start(self) -> System:
        for service in self.services.values():
            service.start()
        for service in self.services.values():
            service.wait_serving()
        return self

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()

    def __enter__(self) -> System:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()
