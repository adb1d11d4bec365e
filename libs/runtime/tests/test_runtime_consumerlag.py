"""Consumer lag from committed and end offsets (consumerlag.py) and the broker-outage log
(brokeroutage.py): the arithmetic and the log's rules without a broker, then both on a real
broker that is stopped and started again."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from servicehub_localinfra import LocalKafka
from servicehub_localinfra._process import free_port
from servicehub_localinfra.kafka import create_topics
from servicehub_runtime.brokeroutage import BrokerOutageLog
from servicehub_runtime.consumerlag import LagMonitor, lag_by_partition

TOPIC = "notes.lag-test.v1"
GROUP = "notes"
P0, P1, P2 = (TopicPartition(TOPIC, p) for p in range(3))


def test_lag_is_end_minus_committed_or_minus_first_when_never_committed() -> None:
    lag = lag_by_partition(
        first={P0: 0, P1: 40, P2: 0},  # P1's first 40 records are gone (retention)
        end={P0: 10, P1: 50, P2: 3},
        committed={P0: 4, P2: 7},  # P2: committed beyond the end (topic re-created): no lag
    )
    assert lag == {P0: 6, P1: 10, P2: 0}


def test_lag_treats_the_brokers_minus_one_as_never_committed() -> None:
    assert lag_by_partition(first={P0: 2}, end={P0: 5}, committed={P0: -1}) == {P0: 3}


class Lines:
    """What reaches the root logger: forwarded aiokafka records and the outage log's own."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self._caplog = caplog

    def of(self, logger: str) -> list[str]:
        return [r.getMessage() for r in self._caplog.records if r.name.startswith(logger)]


@pytest.fixture
def lines(caplog: pytest.LogCaptureFixture) -> Lines:
    caplog.set_level(logging.INFO)
    return Lines(caplog)


def client_error(text: str, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord("aiokafka", level, __file__, 1, text, None, None)


def test_an_outage_is_logged_once_summarised_per_interval_and_its_end_once(lines: Lines) -> None:
    now = [100.0]
    forwarded: list[logging.LogRecord] = []
    outage = BrokerOutageLog(forwarded.append, clock=lambda: now[0], summary_interval=30)
    refused = "Unable connect to node with id 1: [Errno 111] Connect call failed ('127.0.0.1', 9092)"

    for _ in range(95):  # 95 s of outage, 100 client errors a second
        for _error in range(100):
            outage.handle(client_error(refused))
        outage.unreachable("lag probe failed")
        outage.summarise()
        now[0] += 1
    outage.reachable()
    outage.reachable()  # a second success ends nothing more

    own = lines.of("servicehub_runtime.brokeroutage")
    assert forwarded == [], "no client error of the outage reaches the log"
    assert len(own) == 1 + 3 + 1, own  # went down, a summary at 30, 60 and 90 s, came back
    assert own[0].startswith("Kafka broker unreachable: Unable connect to node")
    # errors of seconds 0..30 (the summary comes after each second's), then 31..60
    assert own[1].startswith("Kafka broker unreachable for 30 s; 3100 Kafka client errors in the last 30 s")
    assert own[2].startswith("Kafka broker unreachable for 60 s; 3000 Kafka client errors in the last 30 s")
    assert own[-1] == (
        "Kafka broker reachable again after 95 s (9500 Kafka client errors while it was "
        "unreachable, not logged)"
    )


def test_client_lines_pass_unchanged_while_the_broker_is_reachable(lines: Lines) -> None:
    forwarded: list[logging.LogRecord] = []
    outage = BrokerOutageLog(forwarded.append)
    unrelated = client_error("Topic notes.x.v1 not found in cluster metadata", logging.WARNING)

    outage.handle(unrelated)
    outage.summarise()

    assert forwarded == [unrelated]
    assert not outage.broker_down
    assert lines.of("servicehub_runtime.brokeroutage") == []


def test_a_failed_probe_alone_starts_an_outage(lines: Lines) -> None:
    outage = BrokerOutageLog(lambda record: None)
    outage.unreachable("lag probe failed: KafkaConnectionError: Unable to bootstrap")
    outage.unreachable("lag probe failed again")

    assert outage.broker_down
    assert lines.of("servicehub_runtime.brokeroutage") == [
        "Kafka broker unreachable: lag probe failed: KafkaConnectionError: Unable to bootstrap. "
        "Until it is back, Kafka client errors are summarised every 30 s"
    ]


# ---------------------------------------------------------------- on a real broker


class RestartableKafka:
    """A broker that keeps its data and port when stopped and started again."""

    def __init__(self, data_dir: Path) -> None:
        self.running = LocalKafka(data_dir, port=free_port()).start()

    @property
    def bootstrap_servers(self) -> str:
        return self.running.bootstrap_servers

    def stop(self) -> None:
        self.running.stop()

    def start_again(self) -> None:
        self.running = LocalKafka(self.running.data_dir, port=self.running.port).start()


@pytest.fixture(scope="module")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RestartableKafka]:
    broker = RestartableKafka(tmp_path_factory.mktemp("kafka"))
    try:
        asyncio.run(create_topics(broker.bootstrap_servers, {TOPIC: 3}))
        yield broker
    finally:
        broker.stop()


async def produce(bootstrap: str, counts: dict[int, int]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for partition, count in counts.items():
            for n in range(count):
                await producer.send_and_wait(TOPIC, f"{n}".encode(), partition=partition)
    finally:
        await producer.stop()


async def commit(bootstrap: str, offsets: dict[TopicPartition, int]) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=GROUP, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit({tp: OffsetAndMetadata(o, "") for tp, o in offsets.items()})
    finally:
        await consumer.stop()


async def test_lag_is_measured_without_any_record_being_consumed(kafka: RestartableKafka, metric) -> None:
    bootstrap = kafka.bootstrap_servers
    await produce(bootstrap, {0: 5, 1: 2})
    await commit(bootstrap, {P0: 3})
    monitor = LagMonitor(bootstrap, group_id=GROUP, topics=[TOPIC])
    try:
        assert await monitor.measure() == {P0: 2, P1: 2, P2: 0}
        assert metric("servicehub_consumer_lag_messages", topic=TOPIC, partition="0") == 2

        # A stopped consumer: records keep coming, nothing is committed, the lag grows.
        await produce(bootstrap, {0: 4})
        assert (await monitor.measure())[P0] == 6
        assert metric("servicehub_consumer_lag_messages", topic=TOPIC, partition="0") == 6

        await commit(bootstrap, {P0: 9, P1: 2})
        assert await monitor.measure() == {P0: 0, P1: 0, P2: 0}
    finally:
        await monitor._close()


async def wait_for(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout:.0f} s"
        await asyncio.sleep(0.2)


async def test_a_broker_outage_is_one_line_a_summary_and_one_line_back(
    kafka: RestartableKafka, lines: Lines
) -> None:
    outage = BrokerOutageLog.install(summary_interval=1.0)
    monitor = LagMonitor(kafka.bootstrap_servers, group_id=GROUP, topics=[TOPIC], outage=outage, interval=0.5)
    running = asyncio.create_task(monitor.run())
    # A consumer of the group, as a service has, so its clients fail too during the outage.
    member = AIOKafkaConsumer(TOPIC, bootstrap_servers=kafka.bootstrap_servers, group_id=GROUP)
    await member.start()
    try:
        await member.getmany(timeout_ms=1000)
        await asyncio.to_thread(kafka.stop)
        await wait_for(lambda: outage.broker_down, "noticing the outage")
        await asyncio.sleep(3)  # let the clients fail for a while: several summaries
        await asyncio.to_thread(kafka.start_again)
        await wait_for(lambda: not outage.broker_down, "noticing the broker is back")
        await member.getmany(timeout_ms=1000)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await member.stop()
        logging.getLogger("aiokafka").removeHandler(outage)
        logging.getLogger("aiokafka").propagate = True

    own = lines.of("servicehub_runtime.brokeroutage")
    assert own[0].startswith("Kafka broker unreachable: "), own
    assert sum(line.startswith("Kafka broker unreachable: ") for line in own) == 1, own
    assert any(line.startswith("Kafka broker unreachable for ") for line in own), own
    assert own[-1].startswith("Kafka broker reachable again after "), own
    assert sum(line.startswith("Kafka broker reachable again") for line in own) == 1, own
    client_lines = lines.of("aiokafka")
    assert not [line for line in client_lines if "Unable connect" in line], client_lines
