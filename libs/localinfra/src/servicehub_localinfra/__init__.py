"""Local infrastructure for servicehub tests and developer machines, without Docker.

- ``kafka_bootstrap()``: context manager yielding a Kafka bootstrap string (an existing cluster
  from ``KAFKA_BOOTSTRAP_SERVERS``, a testcontainers container, or a local JVM broker).
- ``LocalKafka``: single-node KRaft broker from Maven-fetched jars; ``create_topics()`` helper.
- ``LocalPostgres``: throw-away PostgreSQL cluster in a temp folder.
- ``LocalPrometheus``: throw-away Prometheus scraping the services, with the alert rules.
- ``fetch_kafka()``: warm the Kafka jar cache (``python -m servicehub_localinfra fetch-kafka``).
"""

from .kafka import LocalKafka, create_topics, kafka_bootstrap
from .kafka_jars import KAFKA_VERSION, cache_dir, fetch_kafka, kafka_libs_dir
from .postgres import LocalPostgres, find_pg_bindir
from .prometheus import LocalPrometheus, PrometheusError

__all__ = [
    "KAFKA_VERSION",
    "LocalKafka",
    "LocalPostgres",
    "LocalPrometheus",
    "PrometheusError",
    "cache_dir",
    "create_topics",
    "fetch_kafka",
    "find_pg_bindir",
    "kafka_bootstrap",
    "kafka_libs_dir",
]
