"""Relay leadership on a real PostgreSQL server, and the one-instance lock of a SQLite store."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest

from servicehub_localinfra import LocalPostgres
from servicehub_runtime import leadership as leadership_module
from servicehub_runtime.leadership import AnotherInstanceRuns, PostgresLeadership, single_instance


def leadership(server: LocalPostgres, name: str, instance: str) -> PostgresLeadership:
    args = {"host": server.host, "port": server.port, "user": server.user,
            "password": server.password, "dbname": server.dbname}
    return PostgresLeadership(args, name=name, instance=instance, new_events_channel="notes_events")


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch) -> None:
    monkeypatch.setattr(leadership_module, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(leadership_module, "CHECK_SECONDS", 0.05)


async def test_one_leads_the_other_stands_by_and_takes_over_when_the_lead_is_released(postgres) -> None:
    name = f"schema_{uuid4().hex[:8]}.certification"
    first, second = leadership(postgres, name, "first"), leadership(postgres, name, "second")
    await first.acquire(standing_by=lambda: pytest.fail("the first instance leads at once"))
    stood_by = asyncio.Event()
    taking = asyncio.create_task(second.acquire(standing_by=stood_by.set))
    try:
        async with asyncio.timeout(10):  # guards against hanging, not timing goals
            await stood_by.wait()
            assert not taking.done(), "the second waits while the first leads"
            await first.release()
            await taking
    finally:
        taking.cancel()
        await second.release()
        await first.release()


async def test_another_relay_name_does_not_wait(postgres) -> None:
    schema = uuid4().hex[:8]
    intake = leadership(postgres, f"{schema}.intake", "a")
    billing = leadership(postgres, f"{schema}.billing", "b")
    try:
        await intake.acquire(standing_by=lambda: pytest.fail("nobody leads intake yet"))
        await billing.acquire(standing_by=lambda: pytest.fail("nobody leads billing yet"))
    finally:
        await intake.release()
        await billing.release()


async def test_losing_the_lock_connection_loses_the_lead_and_frees_it(postgres, caplog) -> None:
    name = f"{uuid4().hex[:8]}.certification"
    leader, standby = leadership(postgres, name, "leader"), leadership(postgres, name, "standby")
    await leader.acquire(standing_by=lambda: None)
    try:
        async with asyncio.timeout(10):
            watching = asyncio.create_task(leader.lost(new_events=lambda: None))
            await asyncio.sleep(0.2)
            assert not watching.done(), "a healthy lock connection keeps the lead"
            with psycopg.connect(postgres.dsn, autocommit=True) as admin:
                # As when the leader's process dies or its connection breaks: the session ends.
                [[ended]] = admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE application_name = 'leader'"
                ).fetchall()
            assert ended == 1
            await watching
            await standby.acquire(standing_by=lambda: None)
    finally:
        await leader.release()
        await standby.release()
    assert any("lost its lock connection" in r.getMessage() for r in caplog.records)


def test_a_second_instance_on_a_sqlite_store_is_refused_naming_the_file(tmp_path: Path) -> None:
    store = tmp_path / "intake.sqlite"
    held = single_instance(store)
    try:
        with pytest.raises(AnotherInstanceRuns, match=f"SQLite event store {store} "):
            single_instance(store)
        other = subprocess.run(
            [sys.executable, "-c",
             "import sys; from pathlib import Path; from servicehub_runtime.leadership import single_instance;"
             " single_instance(Path(sys.argv[1]))", str(store)],
            capture_output=True, text=True, timeout=60,
        )
        assert other.returncode != 0 and "another instance already runs" in other.stderr
    finally:
        held.close()
    single_instance(store).close()  # free again once the first instance ends
