"""Prometheus metrics every service exposes on /metrics.

Names follow Prometheus conventions; labels stay low-cardinality (topic, method, code),
never ids or free-text reasons.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

MESSAGES = Counter(
    "servicehub_messages_total",
    "Kafka messages consumed, by outcome: processed, duplicate, dead_lettered, failed.",
    ["topic", "outcome"],
)
HANDLER_SECONDS = Histogram(
    "servicehub_message_handler_seconds",
    "Time to handle one consumed message, including its event-store transaction.",
    ["topic"],
)
CONSUMER_LAG = Gauge(
    "servicehub_consumer_lag_messages",
    "Messages on the partition not yet consumed (high-water mark minus next offset).",
    ["topic", "partition"],
)
RELAY_PUBLISHED = Counter(
    "servicehub_relay_published_total",
    "Events the outbox relay published and the broker acknowledged.",
    ["topic"],
)
RELAY_BACKLOG = Gauge(
    "servicehub_relay_backlog_events",
    "Recorded events the outbox relay has not yet published.",
)
GRPC_REQUESTS = Counter(
    "servicehub_grpc_requests_total",
    "gRPC calls handled, by method and status code.",
    ["method", "code"],
)
GRPC_SECONDS = Histogram(
    "servicehub_grpc_request_seconds",
    "gRPC call duration by method.",
    ["method"],
)


def serve_metrics(host: str, port: int) -> None:
    """Serves /metrics from a daemon thread."""
    start_http_server(port, addr=host)
