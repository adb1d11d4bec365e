"""Creates the Kafka topics a service uses, if they do not exist yet.

A dead-letter topic takes larger records than the topics it collects from: a dead letter is
the original record (up to the broker's default limit) plus the `dlq_*` headers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping

from aiokafka import AIOKafkaClient
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import (
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
    TopicAlreadyExistsError,
)
from aiokafka.protocol.metadata import MetadataRequest
from aiokafka.protocol.offset import OffsetRequest

from . import kafkasecurity

log = logging.getLogger(__name__)

METADATA_ATTEMPTS = 60
# How long ensure_topics waits for the topics it created to be served.
CREATED_TOPIC_LEADER_TIMEOUT_SECONDS = 30.0
LATEST_OFFSET = -1  # ListOffsets' timestamp for "the end of the partition"
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
    (existing topics are left as they are), and returns once the created ones are served."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **kafkasecurity.client_options())
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
        if missing:
            await await_leaders(bootstrap_servers, missing, timeout=CREATED_TOPIC_LEADER_TIMEOUT_SECONDS)
    finally:
        await admin.close()


async def await_leaders(bootstrap_servers: str, topics: list[str], *, timeout: float) -> None:
    """Returns once every partition of `topics` has a leader that serves it.

    The broker answers CreateTopics before its metadata names the new topic, and names a
    partition's leader a moment before that leader serves it; a client asking meanwhile logs
    "Topic … not found in cluster metadata" or NotLeaderForPartitionError, at ERROR."""
    client = AIOKafkaClient(bootstrap_servers=bootstrap_servers, **kafkasecurity.client_options())
    await client.bootstrap()
    try:
        deadline = time.monotonic() + timeout
        while pending := await _not_served(client, topics):
            if time.monotonic() > deadline:
                raise RuntimeError(f"topics {pending} have no serving leader after {timeout}s")
            await asyncio.sleep(0.05)
    finally:
        await client.close()


async def _not_served(client: AIOKafkaClient, topics: list[str]) -> list[str]:
    """The topics with a partition that the metadata gives no leader, or whose leader does
    not answer a ListOffsets request for it yet (as a consumer's first request does)."""
    metadata = await client.send(
        client.get_random_node(), MetadataRequest(topics, allow_auto_topic_creation=False)
    )
    pending: set[str] = set()
    by_leader: defaultdict[int, defaultdict[str, list[tuple[int, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for topic in metadata.to_object()["topics"]:
        if topic["error_code"] or not topic["partitions"]:
            pending.add(topic["topic"])
        for partition in topic["partitions"]:
            if partition["leader"] < 0:
                pending.add(topic["topic"])
            else:
                by_leader[partition["leader"]][topic["topic"]].append((partition["partition"], LATEST_OFFSET))
    for leader, partitions in by_leader.items():
        # replica id -1: a client, not a follower; isolation level 0: read uncommitted
        offsets = await client.send(leader, OffsetRequest(-1, 0, list(partitions.items())))
        pending.update(
            topic["topic"]
            for topic in offsets.to_object()["topics"]
            if any(partition["error_code"] for partition in topic["partitions"])
        )
    return sorted(pending)


async def partitions_of(bootstrap_servers: str, topics: Iterable[str]) -> dict[str, list[int]]:
    """Each topic's partition numbers; waits briefly for topics created moments ago."""
    wanted = list(topics)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **kafkasecurity.client_options())
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
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **kafkasecurity.client_options())
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
