"""Creates the Kafka topics a service uses, if they do not exist yet."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

log = logging.getLogger(__name__)

METADATA_ATTEMPTS = 60


async def ensure_topics(
    bootstrap_servers: str, topics: Iterable[str], *, partitions: int, replication_factor: int
) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = sorted(set(topics) - existing)
        for name in missing:
            try:
                await admin.create_topics(
                    [NewTopic(name, num_partitions=partitions, replication_factor=replication_factor)]
                )
                log.info("created topic %s with %d partitions", name, partitions)
            except TopicAlreadyExistsError:
                pass  # another service created it first
    finally:
        await admin.close()


async def partitions_of(bootstrap_servers: str, topics: Iterable[str]) -> dict[str, list[int]]:
    """Each topic's partition numbers; waits briefly for topics created moments ago."""
    wanted = list(topics)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        for _ in range(METADATA_ATTEMPTS):
            described = await admin.describe_topics(wanted) if wanted else []
            found = {
                d["topic"]: sorted(p["partition"] for p in d["partitions"])
                for d in described
                if d["error_code"] == 0 and d["partitions"]
            }
            if len(found) == len(wanted):
                return found
            await asyncio.sleep(0.5)
        missing = sorted(set(wanted) - set(found))
        raise RuntimeError(f"topics {missing} do not exist on the broker")
    finally:
        await admin.close()
