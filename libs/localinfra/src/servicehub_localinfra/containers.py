"""Runs servicehub's service images as containers through a Docker API, with testcontainers.

`ServiceContainer` is the container twin of `ServiceProcess` (start / wait_serving / stop),
on the host network so the service reaches a broker on 127.0.0.1 and answers
gRPC health there. It runs as the manifests in deploy/k8s do: uid 10001, read-only root,
its data in a tmpfs.

Any Docker API will do (`DOCKER_HOST`); on a machine without a Docker engine,
`podman_docker_api()` serves one from Debian's podman (`podman system service`). Needs the
`containers` extra: `servicehub-localinfra[containers]`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

import docker
import docker.errors
from testcontainers.core.config import testcontainers_config
from testcontainers.core.container import DockerContainer

from ._process import death_guard, free_port, register, stop_process, unregister, wait_until
from .services import SERVICES, STARTUP_TIMEOUT_SECONDS, is_serving

IMAGE_REPOSITORY = "localhost/servicehub"
CONTAINERS_CONF = Path(str(files("servicehub_localinfra") / "resources" / "containers.conf"))
LABEL = "io.servicehub.localinfra"  # marks every container started here


def image_name(service: str, tag: str = "dev") -> str:
    return f"{IMAGE_REPOSITORY}/{service}:{tag}"


def podman_env() -> dict[str, str]:
    """The environment for every podman call: servicehub's containers.conf, nothing else."""
    return {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)}


def docker_api_answers(docker_host: str | None = None) -> bool:
    """True when a Docker API answers at `docker_host` (default: DOCKER_HOST)."""
    docker_host = docker_host or os.environ.get("DOCKER_HOST")
    if not docker_host:
        return False
    try:
        client = docker.DockerClient(base_url=docker_host, timeout=5)
    except (docker.errors.DockerException, OSError):
        return False
    try:
        return bool(client.ping())
    except (docker.errors.DockerException, OSError):
        return False
    finally:
        client.close()


@contextmanager
def podman_docker_api(timeout: float = 30.0) -> Iterator[str]:
    """Serves podman's Docker-compatible API on a socket in a temp folder; yields its DOCKER_HOST.

    The service runs until the block ends, then is stopped; its folder is removed.
    """
    podman = shutil.which("podman")
    if podman is None:
        raise RuntimeError("podman is missing: apt-get install podman runc")
    folder = Path(tempfile.mkdtemp(prefix="servicehub-podman-"))
    docker_host = f"unix://{folder}/podman.sock"
    log_path = folder / "podman-service.log"
    with open(log_path, "wb") as log:
        # --time=0: no idle timeout; the block decides when it ends.
        proc = subprocess.Popen(
            [*death_guard(), podman, "system", "service", "--time=0", docker_host],
            env=podman_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    register(id(proc), lambda: stop_process(proc, timeout=10))
    try:
        wait_until(
            lambda: docker_api_answers(docker_host),
            timeout=timeout,
            proc=proc,
            what="podman system service",
            log=log_path,
        )
        yield docker_host
    finally:
        stop_process(proc, timeout=10)
        unregister(id(proc))
        shutil.rmtree(folder, ignore_errors=True)


class ServiceContainer:
    def __init__(
        self,
        name: str,
        *,
        bootstrap_servers: str,
        docker_host: str,
        image: str | None = None,
        extra_env: Mapping[str, str] | None = None,
        read_only_mounts: Mapping[str, str] | None = None,
        grpc_port: int | None = None,
        metrics_port: int | None = None,
    ) -> None:
        if name not in SERVICES:
            raise ValueError(f"unknown service {name!r}; choose from {', '.join(SERVICES)}")
        self.name = name
        self.image = image or image_name(name)
        self.docker_host = docker_host
        self.grpc_port = grpc_port or free_port()
        self.metrics_port = metrics_port or free_port()
        self._env = {
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap_servers,
            # Host network: listen on loopback only, like the processes do.
            "GRPC_HOST": "127.0.0.1",
            "METRICS_HOST": "127.0.0.1",
            "GRPC_PORT": str(self.grpc_port),
            "METRICS_PORT": str(self.metrics_port),
            # A tmpfs /tmp is writable by any uid on Docker and podman alike; a tmpfs on the
            # image's DATA_DIR is root's 0755 on podman 4.3 (it ignores mode=), so data goes here.
            "DATA_DIR": "/tmp/data",
            **(extra_env or {}),
        }
        # host folder -> path in the container (e.g. the token issuer's JWKS)
        self._mounts = dict(read_only_mounts or {})
        self._container: DockerContainer | None = None

    @property
    def grpc_address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def running(self) -> bool:
        if self._container is None:
            return False
        wrapped = self._container.get_wrapped_container()
        wrapped.reload()
        return wrapped.status == "running"

    def start(self) -> ServiceContainer:
        if self._container is not None:
            raise RuntimeError(f"{self.name} container already exists; stop() it first")
        # Ryuk, testcontainers' reaper, is an image from Docker Hub; stop() removes what we start.
        testcontainers_config.ryuk_disabled = True
        container = DockerContainer(
            self.image,
            docker_client_kw={"environment": {"DOCKER_HOST": self.docker_host}},
        )
        for key, value in self._env.items():
            container.with_env(key, value)
        for host_path, container_path in self._mounts.items():
            container.with_volume_mapping(host_path, container_path, "ro")
        container.with_kwargs(
            network_mode="host",
            read_only=True,
            labels={LABEL: self.name},
        )
        container.tmpfs["/tmp"] = "rw"
        self._container = container.start()
        register(id(self), self.stop)
        return self

    def wait_serving(self, timeout: float = STARTUP_TIMEOUT_SECONDS) -> ServiceContainer:
        """Poll gRPC health until SERVING; fail early if the container exits, late on timeout."""
        assert self._container is not None, "start() first"
        deadline = time.monotonic() + timeout
        while not is_serving(self.grpc_address):
            if not self.running:
                raise RuntimeError(f"container {self.name} exited; its log:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"container {self.name} was not SERVING after {timeout:.0f}s; "
                    f"its log:\n{self.log_tail()}"
                )
            time.sleep(0.2)
        return self

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM (SIGKILL after `timeout`), then remove the container; returns the exit code."""
        if self._container is None:
            return None
        wrapped = self._container.get_wrapped_container()
        wrapped.stop(timeout=int(timeout))
        code = wrapped.wait()["StatusCode"]
        self._container.stop()  # removes it
        self._container = None
        unregister(id(self))
        return code

    def log_tail(self, lines: int = 60) -> str:
        if self._container is None:
            return ""
        stdout, stderr = self._container.get_logs()
        return "\n".join((stdout + stderr).decode(errors="replace").splitlines()[-lines:])
