"""Readable logs while the Kafka broker is unreachable.

aiokafka logs every failed connection attempt of every client: about 100 ERROR lines a
second per process while the broker is down (over 2,000 in 20 s, measured). `BrokerOutageLog`
takes aiokafka's log records instead of the root logger: while the broker is reachable it
passes them on unchanged; the first connection error starts an outage, logged once; during
it aiokafka's lines are counted, not printed, and a summary is logged every
`SUMMARY_INTERVAL_SECONDS`; the broker's return (the lag monitor's next successful probe,
consumerlag.py) is logged once with the outage's length and count.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable

from .cloudevents import bounded

log = logging.getLogger(__name__)

SUMMARY_INTERVAL_SECONDS = 30.0
# aiokafka's words for "cannot reach a broker" (connect, metadata, fetch, coordinator).
_UNREACHABLE = re.compile(
    r"Unable connect to|Connect call failed|Unable to update metadata|NodeNotReadyError"
    r"|KafkaConnectionError"
)


class BrokerOutageLog(logging.Handler):
    """Handler for the `aiokafka` logger (which then no longer propagates to the root)."""

    def __init__(
        self,
        forward: Callable[[logging.LogRecord], None],
        *,
        clock: Callable[[], float] = time.monotonic,
        summary_interval: float = SUMMARY_INTERVAL_SECONDS,
    ) -> None:
        super().__init__(level=logging.NOTSET)
        self._forward = forward
        self._clock = clock
        self._summary_interval = summary_interval
        self._lock = threading.Lock()  # aiokafka may log from its threads too
        self._down_since: float | None = None
        self._last_summary = 0.0
        self._suppressed = 0  # aiokafka lines during this outage
        self._since_summary = 0
        self._last_line = ""

    @classmethod
    def install(
        cls, logger_name: str = "aiokafka", *, summary_interval: float = SUMMARY_INTERVAL_SECONDS
    ) -> BrokerOutageLog:
        """Takes over `logger_name`'s records; others still reach the root logger's handlers."""
        handler = cls(logging.getLogger().handle, summary_interval=summary_interval)
        client_logger = logging.getLogger(logger_name)
        client_logger.addHandler(handler)
        client_logger.propagate = False
        return handler

    @property
    def broker_down(self) -> bool:
        return self._down_since is not None

    def emit(self, record: logging.LogRecord) -> None:
        with self._lock:
            if self._down_since is None and not _UNREACHABLE.search(record.getMessage()):
                forward = True
            else:
                forward = False
                self._went_down(record.getMessage())
                self._suppressed += 1
                self._since_summary += 1
                self._last_line = record.getMessage()
        if forward:
            self._forward(record)

    def unreachable(self, reason: str) -> None:
        """Called when a probe of the broker failed."""
        with self._lock:
            self._went_down(reason)

    def reachable(self) -> None:
        """Called when a probe of the broker succeeded: ends an outage, if any."""
        with self._lock:
            if self._down_since is None:
                return
            log.warning(
                "Kafka broker reachable again after %.0f s (%d Kafka client errors while it "
                "was unreachable, not logged)",
                self._clock() - self._down_since,
                self._suppressed,
            )
            self._down_since = None

    def summarise(self) -> None:
        """Logs how the outage goes, at most once per summary interval; call it on a timer."""
        with self._lock:
            now = self._clock()
            if self._down_since is None or now - self._last_summary < self._summary_interval:
                return
            log.error(
                "Kafka broker unreachable for %.0f s; %d Kafka client errors in the last %.0f s, "
                "the last: %s",
                now - self._down_since,
                self._since_summary,
                now - self._last_summary,
                bounded(self._last_line or "none", 500),
            )
            self._last_summary = now
            self._since_summary = 0

    def _went_down(self, reason: str) -> None:
        if self._down_since is not None:
            return
        self._down_since = self._last_summary = self._clock()
        self._suppressed = self._since_summary = 0
        log.error(
            "Kafka broker unreachable: %s. Until it is back, Kafka client errors are summarised "
            "every %.0f s",
            bounded(reason, 500),
            self._summary_interval,
        )
