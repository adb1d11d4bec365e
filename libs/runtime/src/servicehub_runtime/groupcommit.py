"""Group commit: concurrent commands share one event-store transaction.

A gRPC command's cost is mostly its transaction (a COMMIT, on SQLite an fsync), not its
logic. `GroupCommit.run` queues the command; one writer at a time runs every queued command
(at most `max_commands`) in a worker thread inside one `TracedEventApplication.batch`, and
answers each caller only after that transaction committed. Commands arriving while a
transaction is in progress form the next group, so a lone command waits for no timer, and
under load a caller waits at most for the group ahead of it plus its own.

A command that raises gets its exception and leaves nothing in the group. If the group's
transaction fails (two commands conflict, e.g. the same idempotency key twice, or the
database is unreachable), each command of the group runs again on its own, in order, with
its own transaction, and gets its own result: a command must therefore decide from the
store what to record, as eventsourcing commands do (read, decide, record).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from uuid import UUID

from . import metrics
from .eventstore import TracedEventApplication

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_COMMANDS = 256


class GroupCommit:
    def __init__(self, application: TracedEventApplication, *, max_commands: int = MAX_COMMANDS) -> None:
        self._application = application
        self._max_commands = max_commands
        self._queue: list[tuple[Callable[[], Any], Iterable[UUID], asyncio.Future[Any]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def run(self, command: Callable[[], T], *, reads: Iterable[UUID] = ()) -> T:
        """Runs `command` (in a worker thread) and returns its result once what it recorded
        is durable; raises what it raised. `reads` names the aggregates the command will
        read: a group reads all of them in one query before its commands run."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append((command, reads, future))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write())
        return await future

    async def _write(self) -> None:
        try:
            while self._queue:
                group = self._queue[: self._max_commands]
                del self._queue[: self._max_commands]
                commands = [command for command, _, _ in group]
                preload = [aggregate_id for _, reads, _ in group for aggregate_id in reads]
                try:
                    outcomes = await asyncio.to_thread(self._commit, commands, preload)
                except BaseException:  # cancelled (shutting down): no caller is left waiting
                    for _, _, future in [*group, *self._queue]:
                        future.cancel()
                    self._queue.clear()
                    raise
                for (_, _, future), (value, error) in zip(group, outcomes, strict=True):
                    if future.done():
                        continue  # the caller went away (cancelled)
                    if error is None:
                        future.set_result(value)
                    else:
                        future.set_exception(error)
        finally:
            self._writer = None

    def _commit(
        self, commands: list[Callable[[], Any]], preload: list[UUID]
    ) -> list[tuple[Any, Exception | None]]:
        metrics.GROUP_COMMIT_SIZE.observe(len(commands))
        try:
            with self._application.batch(preload=preload) as batch:
                outcomes = [_outcome(batch.run, command) for command in commands]
            return outcomes
        except Exception as error:  # noqa: BLE001 - each command says for itself
            log.debug("a group of %d commands runs one by one: %r", len(commands), error)
            return [_outcome(command) for command in commands]


def _outcome(function: Callable[..., Any], *args: Any) -> tuple[Any, Exception | None]:
    try:
        return function(*args), None
    except Exception as error:  # noqa: BLE001 - handed to its caller
        return None, error
