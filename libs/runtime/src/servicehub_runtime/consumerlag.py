"""Consumer lag from the broker's own numbers, on a timer.

Every `INTERVAL_SECONDS` the monitor asks the broker for the group's committed offsets and
each consumed partition's first and end offsets, and exports
`servicehub_consumer_lag_messages{topic,partition}` = end − committed (end − first for a
partition the group has never committed: the consumer starts at the earliest record). So
the lag is true when nothing arrives, is there right after a restart, and keeps growing
when the consumer has stopped — which lag updated only when a record is consumed cannot
show. Every member of the group exports every partition (the group's lag, not the
member's): dashboards and alerts take the max over instances. The relays publish in Kafka
transactions, and a transaction's commit marker takes an offset of its own that no record is
consumed from: a partition whose last write was a relay's batch shows a lag of 1 at rest.

The same request is the process's probe of the broker: its failure and its success tell
the outage log (brokeroutage.py) when the broker went away and when it is back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import (
    KafkaConnectionError,
    KafkaError,
    KafkaTimeoutError,
    NodeNotReadyError,
    RequestTimedOutError,
)

from . import kafkasecurity, metrics
from .brokeroutage import BrokerOutageLog
from .cloudevents import bounded

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 5.0
PROBE_TIMEOUT_SECONDS = 10.0
# A probe failing with these did not reach the broker; other errors are the broker's answer.
UNREACHABLE_ERRORS = (
    KafkaConnectionError,
    NodeNotReadyError,
    KafkaTimeoutError,
    RequestTimedOutError,
    TimeoutError,
    OSError,
)


def lag_by_partition(
    first: Mapping[TopicPartition, int],
    end: Mapping[TopicPartition, int],
    committed: Mapping[TopicPartition, int],
) -> dict[TopicPartition, int]:
    """Records the group has still to consume, per partition (never negative)."""
    lag = {}
    for partition, end_offset in end.items():
        start = committed.get(partition, -1)
        if start < 0:  # never committed: the group starts at the first record there
            start = first.get(partition, 0)
        lag[partition] = max(end_offset - start, 0)
    return lag


class LagMonitor:
    """Exports the group's lag on `topics` every `interval` seconds; reports reachability."""

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        group_id: str,
        topics: Iterable[str],
        outage: BrokerOutageLog | None = None,
        interval: float = INTERVAL_SECONDS,
    ) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._group_id = group_id
        self._topics = sorted(set(topics))
        self._outage = outage
        self._interval = interval
        self._admin: AIOKafkaAdminClient | None = None
        self._offsets: AIOKafkaConsumer | None = None  # no group: reads first/end offsets only

    async def run(self) -> None:
        """Measures until cancelled; a failed measurement keeps the last values and retries."""
        try:
            last_failure = ""
            while True:
                try:
                    async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):  # not wait_for: waiting.py
                        await self.measure()
                except UNREACHABLE_ERRORS as error:
                    await self._close()  # a client that never started cannot be reused
                    reason = f"lag probe failed: {type(error).__name__}: {error}"
                    if self._outage is not None:
                        self._outage.unreachable(reason)
                    else:
                        log.warning("%s", bounded(reason, 500))
                except KafkaError as error:  # the broker answered, with an error
                    await self._close()
                    failure = bounded(f"{type(error).__name__}: {error}", 500)
                    if failure != last_failure:  # once per kind, not every interval
                        log.warning("measuring consumer lag failed: %s", failure)
                    last_failure = failure
                else:
                    last_failure = ""
                    if self._outage is not None:
                        self._outage.reachable()
                if self._outage is not None:
                    self._outage.summarise()
                await asyncio.sleep(self._interval)
        finally:
            await self._close()

    async def measure(self) -> dict[TopicPartition, int]:
        """One measurement, exported and returned."""
        admin, offsets = await self._clients()
        described = await admin.describe_topics(self._topics) if self._topics else []
        partitions = [
            TopicPartition(topic["topic"], partition["partition"])
            for topic in described
            if topic["error_code"] == 0  # a topic not created yet has no lag
            for partition in topic["partitions"]
        ]
        if not partitions:
            await admin.describe_cluster()  # still a probe of the broker
            return {}
        committed = await admin.list_consumer_group_offsets(self._group_id, partitions=partitions)
        lag = lag_by_partition(
            await offsets.beginning_offsets(partitions),
            await offsets.end_offsets(partitions),
            {tp: meta.offset for tp, meta in committed.items()},
        )
        for partition, waiting in lag.items():
            metrics.CONSUMER_LAG.labels(partition.topic, str(partition.partition)).set(waiting)
        return lag

    async def _clients(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        if self._admin is None or self._offsets is None:
            options = kafkasecurity.client_options()
            admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap_servers, **options)
            offsets = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap_servers,
                group_id=None,
                enable_auto_commit=False,
                client_id=f"{self._group_id}-lag-monitor",
                isolation_level="read_committed",  # end offsets as the group's consumer sees them
                **options,
            )
            try:
                await admin.start()
                await offsets.start()
            except BaseException:
                await admin.close()
                await offsets.stop()
                raise
            self._admin, self._offsets = admin, offsets
        return self._admin, self._offsets

    async def _close(self) -> None:
        admin, offsets, self._admin, self._offsets = self._admin, self._offsets, None, None
        if admin is not None:
            await admin.close()
        if offsets is not None:
            await offsets.stop()
