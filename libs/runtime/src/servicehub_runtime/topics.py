"""Creates the Kafka topics a service uses, if they do not exist yet.

A dead-letter topic takes larger records than the topics it collects from: a dead letter is
the original record (up to the broker's default limit) plus the `dlq_*` headers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import (
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
    TopicAlreadyExistsError,
)

log = logging.getLogger(__name__)

METADATA_ATTEMPTS = 60
# Kafka's default message.max.bytes: the largest record batch a topic accepts by default.
KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588
# Room for the dead-letter headers (reasons are cut to a few KB) and batch overhead.
DEAD_LETTER_HEADROOM_BYTES = 64 * 1024
DEAD_LETTER_MAX_MESSAGE_BYTES = KAFKA_DEFAULT_MAX_MESSAGE_BYTES + DEAD_LETTER_HEADROOM_BYTES
DEAD_LETTER_TOPIC_CONFIG = {"max.message.bytes": str(DEAD_LETTER_MAX_MESSAGE_BYTES)}
# What a producer or the broker raise for a record larger than the topic takes.
TOO_LARGE_ERRORS = (MessageSizeTooLargeError, RecordTooLargeError, RecordListTooLargeError)


async def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str],
    *,
    partitions: int,
    replication_factor: int,
    configs: Mapping[str, Mapping[str, str]] | None = None,
) -> None:
    """Creates the missing `topics`, each with its `configs` entry as topic configuration
    (existing topics are left as they are)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = sorted(set(topics) - existing)
        for name in missing:
            try:
                await admin.create_topics(
                    [
                        NewTopic(
                            name,
                            num_partitions=partitions,
                            replication_factor=replication_factor,
                            topic_configs=dict((configs or {}).get(name, {})),
                        )
                    ]
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


async def max_message_bytes(bootstrap_servers: str, topics: Iterable[str]) -> dict[str, int]:
    """Each topic's `max.message.bytes`: the largest record batch the broker accepts on it."""
    wanted = [ConfigResource(ConfigResourceType.TOPIC, name) for name in topics]
    if not wanted:
        return {}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        responses = await admin.describe_configs(wanted)
    finally:
        await admin.close()
    limits: dict[str, int] = {}
    for response in responses:
        for error_code, error_message, _, topic, entries in response.resources:
            if error_code:
                raise RuntimeError(f"cannot read the configuration of {topic}: {error_message}")
            for name, value, *_ in entries:
                if name == "max.message.bytes":
                    limits[topic] = int(value)
    return limits
