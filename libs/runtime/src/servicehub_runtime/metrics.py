"""Prometheus metrics every service exposes on /metrics.

Names follow Prometheus conventions; labels stay low-cardinality (topic, method, code),
never ids or free-text reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

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
GROUP_COMMIT_SIZE = Histogram(
    "servicehub_group_commit_commands",
    "Commands (e.g. gRPC calls) sharing one event-store transaction.",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
CONSUMER_LAG = Gauge(
    "servicehub_consumer_lag_messages",
    "Records on the partition the consumer group has not yet committed (end offset minus "
    "committed offset), measured on a timer.",
    ["topic", "partition"],
)
CONSUMER_OLDEST_UNPROCESSED_AGE = Gauge(
    "servicehub_consumer_oldest_unprocessed_age_seconds",
    "Age of the oldest record of the partition not yet processed or dead-lettered (from its "
    "timestamp, or from when it was first taken up if earlier); 0 when caught up. Grows while "
    "a partition is stuck.",
    ["group", "topic", "partition"],
)
DEAD_LETTERS_KEPT_IN_FILES = Counter(
    "servicehub_dead_letters_kept_in_files_total",
    "Records too large for the dead-letter topic, kept in DATA_DIR/dead-letters instead.",
    ["topic"],
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
RELAY_BLOCKED_SECONDS = Gauge(
    "servicehub_relay_blocked_seconds",
    "How long the outbox relay has been failing to publish (0 while it publishes).",
)
RELAY_LEADER = Gauge(
    "servicehub_relay_leader",
    "1 while this instance leads and relays its service's outbox, 0 while another one does.",
)
RELAY_FENCED = Counter(
    "servicehub_relay_fenced_total",
    "Times this instance's outbox relay was fenced: another instance's producer took the "
    "relay's transactional id, so this one stopped publishing and stood by.",
)
RELAY_PARKED = Counter(
    "servicehub_relay_parked_events_total",
    "Events too large for their topic: left in the event store, announced on the service's "
    "dead-letter topic, not published.",
    ["topic"],
)
RELAY_UNTRUSTED_SEQUENCES = Counter(
    "servicehub_relay_untrusted_sequences_total",
    "Records with the relay's own ce_source whose ce_sequence cannot be its own (forged or "
    "garbled), ignored when resuming.",
    ["topic"],
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


class ReadModelMetrics(Collector):
    """Metrics a service computes from one of its read models at each scrape (its business
    metrics: open items by state, totals of what happened). Read from the event log's
    projection, they survive restarts and a rebuilt view gives the same numbers; totals are
    counters over the whole log, so `increase()` sees no reset when a process restarts."""

    def __init__(self, families: Callable[[], Iterable[Metric]]) -> None:
        self._families = families

    def describe(self) -> list[Metric]:
        return []  # not known before the first scrape; the names are the service's own

    def collect(self) -> Iterable[Metric]:
        return list(self._families())


def labelled(
    family: GaugeMetricFamily | CounterMetricFamily,
    counts: Iterable[tuple[tuple[str, ...], float]],
    every: Iterable[tuple[str, ...]] = (),
) -> GaugeMetricFamily | CounterMetricFamily:
    """Adds a sample per label tuple, and 0 for each of `every` without one (so a series
    exists before its first event, and `increase()` sees that first event)."""
    seen = dict(counts)
    for labels in every:
        seen.setdefault(labels, 0)
    for labels, value in sorted(seen.items()):
        family.add_metric(list(labels), value)
    return family
