"""A throw-away single-node Kafka broker, and one entry point that hides where Kafka comes from.

Why: integration tests and developers need a real broker, but machines have no Docker engine.
``LocalKafka`` runs the Maven-fetched broker jars (see ``kafka_jars``) as one KRaft JVM that is
broker and controller at once, on free ports of 127.0.0.1 — plaintext, or with
``scram_users`` SASL_SSL (SCRAM-SHA-512 over TLS, a throw-away CA made with ``cryptography``),
as production brokers are.  ``kafka_bootstrap()`` prefers an existing cluster
(``KAFKA_BOOTSTRAP_SERVERS``), then a testcontainers container when Docker answers, and falls
back to ``LocalKafka``.

Every Kafka client of this module (readiness probe, topic creation) takes the services' own
security settings: ``KAFKA_SECURITY_PROTOCOL``, ``KAFKA_SASL_*`` and ``KAFKA_SSL_CAFILE`` from
the environment (servicehub_runtime.kafkasecurity), or a ``LocalKafka``'s own.
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from servicehub_runtime.kafkasecurity import KafkaSecurity

from . import tls
from ._process import LocalServer, free_port, port_open, tail
from .kafka_jars import KAFKA_VERSION, RESOURCES, fetch_kafka, require_tool

JVM_HEAP = ("-Xms256m", "-Xmx512m")

# Settings for one node on a developer machine or in CI: replication factor 1 everywhere,
# explicit topics only (a typo must not silently create a topic), consumers join at once.
SERVER_DEFAULTS = {
    "num.partitions": "3",
    "auto.create.topics.enable": "false",
    "offsets.topic.replication.factor": "1",
    "offsets.topic.num.partitions": "5",  # default 50 makes the first group join slow
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
    "share.coordinator.state.topic.replication.factor": "1",
    "share.coordinator.state.topic.min.isr": "1",
    "group.initial.rebalance.delay.ms": "0",
}


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and os.access(Path(java_home, "bin", "java"), os.X_OK):
        return str(Path(java_home, "bin", "java"))
    return require_tool("java", "apt-get install -y openjdk-17-jre-headless (Java 17+)")


def _cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, URL-safe base64 without padding."""
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):  # Kafka's own generator avoids these too
            return cid


def _run_async(coro_fn, *args):
    """Run an async function to completion from sync code, even inside a running event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro_fn(*args)).result()


def env_client_options(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """aiokafka options from the services' security variables (plaintext when unset)."""
    return KafkaSecurity.from_env(os.environ if env is None else env).client_options()


async def _metadata_ready(bootstrap: str, client_options: Mapping[str, Any]) -> bool:
    """True when the broker answers a metadata request naming itself and a controller."""
    from aiokafka import AIOKafkaClient

    client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=5000, **client_options)
    try:
        await client.bootstrap()
        return bool(client.cluster.brokers()) and client.cluster.controller is not None
    except Exception:  # noqa: BLE001 - not ready yet
        return False
    finally:
        await client.close()


class LocalKafka(LocalServer):
    """A single-node KRaft broker (broker + controller in one JVM) on 127.0.0.1.

    ``start()`` fetches the jars if needed, formats the storage, starts the JVM and returns once
    the broker answers metadata requests; ``bootstrap_servers`` is then ``"127.0.0.1:<port>"``.
    The data dir is a temp folder removed by ``stop()`` unless ``data_dir`` is given (then it is
    kept and reused on the next start).  Use as a context manager.

    With ``scram_users`` (name → password, letters and digits) the client listener is SASL_SSL
    with SCRAM-SHA-512: the broker's certificate (for 127.0.0.1 and localhost) comes from a
    throw-away CA in ``<data dir>/tls/ca.pem``, the users are created when the storage is
    formatted (``kafka-storage format --add-scram``), and there is no plaintext listener.
    ``client_env(user)`` gives the variables a service needs, ``client_options(user)`` the
    options of an aiokafka client.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike | None = None,
        *,
        version: str = KAFKA_VERSION,
        port: int | None = None,
        startup_timeout: float = 120.0,
        extra_config: Mapping[str, str] | None = None,
        scram_users: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(startup_timeout)
        self.version = version
        self.config = {**SERVER_DEFAULTS, **(extra_config or {})}
        self._given_dir = Path(data_dir).resolve() if data_dir else None
        self._want_port = port
        self.data_dir: Path | None = None
        self.port: int | None = None
        self.scram_users = dict(scram_users or {})
        for name, password in self.scram_users.items():
            if not (name.isalnum() and password.isalnum()):  # kafka-storage's --add-scram syntax
                raise ValueError(f"SCRAM user {name!r}: names and passwords are letters and digits only")
        if self.scram_users:  # the broker's own user, for its inter-broker link and our probes
            self.scram_users.setdefault("localinfra", secrets.token_hex(16))

    @property
    def secured(self) -> bool:
        return bool(self.scram_users)

    @property
    def ca_file(self) -> Path:
        """The throw-away CA that signed the broker's certificate (with ``scram_users``)."""
        assert self.data_dir is not None and self.secured
        return self.data_dir / "tls" / "ca.pem"

    def client_env(self, user: str, password: str | None = None) -> dict[str, str]:
        """The Kafka security variables a service process needs to connect as ``user``."""
        if not self.secured:
            return {"KAFKA_SECURITY_PROTOCOL": "PLAINTEXT"}
        return {
            "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "KAFKA_SASL_USERNAME": user,
            "KAFKA_SASL_PASSWORD": self.scram_users[user] if password is None else password,
            "KAFKA_SSL_CAFILE": str(self.ca_file),
        }

    def client_options(self, user: str = "localinfra", password: str | None = None) -> dict[str, Any]:
        """Options of an aiokafka client connecting as ``user`` (plaintext: none needed)."""
        return env_client_options(self.client_env(user, password))

    @property
    def bootstrap_servers(self) -> str:
        if self.port is None:
            raise RuntimeError("LocalKafka is not started")
        return f"127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        """Broker stdout/stderr and log4j output (``<data dir>/broker.log``)."""
        assert self.data_dir is not None
        return self.data_dir / "broker.log"

    def _write_properties(self, controller_port: int) -> Path:
        assert self.data_dir is not None
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            # A static voter set (not --standalone's dynamic quorum): the controller port may
            # change between runs that reuse a data dir, and static voters follow the config.
            "controller.quorum.voters": f"1@127.0.0.1:{controller_port}",
            "controller.listener.names": "CONTROLLER",
            **(self._sasl_ssl_listener(controller_port) if self.secured else {
                "listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{controller_port}",
                "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
                "inter.broker.listener.name": "PLAINTEXT",
                "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            }),
            "log.dirs": str(self.data_dir / "kraft-logs"),
            **self.config,
        }
        path = self.data_dir / "server.properties"
        path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        return path

    def _sasl_ssl_listener(self, controller_port: int) -> dict[str, str]:
        """One SASL_SSL listener, for clients and the broker's own inter-broker link; the
        controller listener (KRaft's quorum only, no client requests) stays plaintext."""
        assert self.data_dir is not None
        ca, keystore = tls.write_broker_certificate(self.data_dir / "tls", hosts=["127.0.0.1", "localhost"])
        own = self.scram_users["localinfra"]
        return {
            "listeners": f"SASL_SSL://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{controller_port}",
            "advertised.listeners": f"SASL_SSL://127.0.0.1:{self.port}",
            "inter.broker.listener.name": "SASL_SSL",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL",
            "sasl.enabled.mechanisms": "SCRAM-SHA-512",
            "sasl.mechanism.inter.broker.protocol": "SCRAM-SHA-512",
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config":
                "org.apache.kafka.common.security.scram.ScramLoginModule required "
                f'username="localinfra" password="{own}";',
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(keystore),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(ca),
        }

    def _format(self, jvm: list[str], props: Path) -> None:
        """Format the storage once per data dir (a kept data dir keeps its cluster id)."""
        scram = [
            argument
            for name, password in self.scram_users.items()
            for argument in ("--add-scram", f"SCRAM-SHA-512=[name={name},password={password}]")
        ]
        with open(self.log_path, "ab") as log:
            fmt = subprocess.run(
                [*jvm, "kafka.tools.StorageTool", "format",
                 "--cluster-id", _cluster_id(), "--config", str(props), *scram],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                cwd=self.data_dir,
            )  # fmt: skip
        if fmt.returncode != 0:
            raise RuntimeError(
                f"formatting Kafka storage failed (exit {fmt.returncode}); "
                f"last lines of {self.log_path}:\n{tail(self.log_path)}"
            )

    def _prepare(self) -> list[str]:
        """Fetch the jars if needed, write the config, format the storage of a new data dir."""
        libs = fetch_kafka(self.version)
        java = _java()
        if self._given_dir:
            self._given_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = self._given_dir or self._make_temp_dir("servicehub-kafka-")
        self.port = self._want_port or free_port()
        controller_port = free_port()
        while controller_port == self.port:
            controller_port = free_port()
        props = self._write_properties(controller_port)
        jvm = [
            java, *JVM_HEAP,
            "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true", "-Djava.net.preferIPv4Stack=true",
            f"-Dlog4j2.configurationFile={RESOURCES / 'log4j2.xml'}",
            f"-Dkafka.logs.dir={self.data_dir}",
            "-cp", f"{libs}/*",
        ]  # fmt: skip
        if not (self.data_dir / "kraft-logs" / "meta.properties").is_file():
            self._format(jvm, props)
        return [*jvm, "kafka.Kafka", str(props)]

    def _what(self) -> str:
        return f"Kafka broker on {self.bootstrap_servers}"

    def _ready(self) -> bool:
        """The port accepts connections and a metadata request names a broker and controller."""
        return port_open(self.port) and _run_async(_metadata_ready, self.bootstrap_servers, self.client_options())


async def create_topics(
    bootstrap: str,
    topics: Mapping[str, int],
    *,
    replication_factor: int = 1,
    timeout: float = 30.0,
    client_options: Mapping[str, Any] | None = None,
) -> None:
    """Create ``{name: partitions}`` topics; existing ones are left as they are.

    Returns once every topic's partitions have leaders, so producers can send right away.
    Connects with ``client_options`` (e.g. ``LocalKafka.client_options()``), by default with
    the security variables of the environment, as the services do.
    """
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import TopicAlreadyExistsError, for_code

    options = env_client_options() if client_options is None else client_options
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **options)
    await admin.start()
    try:
        response = await admin.create_topics(
            [NewTopic(name, parts, replication_factor) for name, parts in topics.items()]
        )
        for name, code, *_ in response.topic_errors:
            if code not in (0, TopicAlreadyExistsError.errno):
                raise for_code(code)(f"could not create topic {name!r}")
        deadline = time.monotonic() + timeout
        while True:
            described = await admin.describe_topics(list(topics))
            if all(
                t["error_code"] == 0
                and t["partitions"]
                and all(p["leader"] >= 0 for p in t["partitions"])
                for t in described
            ):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"topics have no leaders after {timeout}s: {described}")
            await asyncio.sleep(0.1)
    finally:
        await admin.close()


def _docker_kafka_available() -> bool:
    """True when testcontainers is importable and a Docker engine answers a ping."""
    try:
        import docker
        import testcontainers.community.kafka  # noqa: F401
    except ImportError:
        return False
    try:
        docker.from_env(timeout=3).ping()
        return True
    except Exception:  # noqa: BLE001 - no engine, no socket, no permission
        return False


@contextmanager
def _testcontainers_kafka() -> Iterator[str]:
    from testcontainers.community.kafka import KafkaContainer

    container = KafkaContainer().with_env("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
    container = container.with_env("KAFKA_NUM_PARTITIONS", "3")
    with container as kafka:
        yield kafka.get_bootstrap_server()


@contextmanager
def kafka_bootstrap() -> Iterator[str]:
    """Yield a Kafka bootstrap string, starting a broker only if needed.

    1. ``KAFKA_BOOTSTRAP_SERVERS`` set: that cluster, nothing is started.
    2. a Docker engine answers and ``testcontainers`` is importable: a Kafka container.
    3. otherwise a ``LocalKafka`` JVM.
    ``SERVICEHUB_KAFKA_BACKEND=local|testcontainers`` skips the detection in 2.
    """
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "").strip()
    if external:
        yield external
        return
    backend = os.environ.get("SERVICEHUB_KAFKA_BACKEND", "auto").strip().lower()
    if backend not in ("auto", "local", "testcontainers"):
        raise ValueError(f"SERVICEHUB_KAFKA_BACKEND={backend!r}: use auto, local or testcontainers")
    if backend == "testcontainers" or (backend == "auto" and _docker_kafka_available()):
        with _testcontainers_kafka() as bootstrap:
            yield bootstrap
        return
    with LocalKafka() as kafka:
        yield kafka.bootstrap_servers
