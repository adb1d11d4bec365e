"""LocalPostgres end to end: cluster in a temp folder, psycopg round trip, stop and clean up."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

import servicehub_localinfra.postgres as pg_mod
from servicehub_localinfra import LocalPostgres


def test_postgres_starts_serves_sql_and_is_removed(assert_gone):
    pg = LocalPostgres()
    started = time.monotonic()
    pg.start()
    print(f"LocalPostgres start() -> ready: {time.monotonic() - started:.2f}s")
    try:
        assert (pg.host, pg.user, pg.dbname) == ("127.0.0.1", "servicehub", "servicehub")
        assert pg.dsn == f"postgresql://servicehub:{pg.password}@127.0.0.1:{pg.port}/servicehub"
        with psycopg.connect(pg.dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE events (id serial PRIMARY KEY, body jsonb NOT NULL)")
            conn.execute("INSERT INTO events (body) VALUES (%s), (%s)", ('{"a": 1}', '{"b": 2}'))
            rows = conn.execute("SELECT id, body FROM events ORDER BY id").fetchall()
            assert rows == [(1, {"a": 1}), (2, {"b": 2})]
        with pytest.raises(psycopg.OperationalError):  # TCP needs the password
            psycopg.connect(f"postgresql://servicehub:wrong@127.0.0.1:{pg.port}/servicehub")
        if os.geteuid() == 0:  # postgres refuses root: the server must run as someone else
            uid = int(Path(f"/proc/{pg.pid}/status").read_text().split("Uid:")[1].split()[0])
            assert uid != 0
        pid, base_dir = pg.pid, pg.base_dir
    finally:
        pg.stop()
    assert_gone(pid)
    assert not base_dir.exists()


@pytest.mark.parametrize("durable", [False, True])
def test_durability_is_off_for_throw_away_data_and_on_when_asked(durable):
    with LocalPostgres(durable=durable) as pg, psycopg.connect(pg.dsn, autocommit=True) as conn:
        shown = {name: conn.execute(f"SHOW {name}").fetchone()[0]
                 for name in ("fsync", "synchronous_commit", "full_page_writes")}  # fmt: skip
    expected = "on" if durable else "off"
    assert shown == dict.fromkeys(shown, expected)


def test_missing_binaries_name_the_package(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(pg_mod, "DEBIAN_BINDIRS", "/nonexistent/*/bin")
    monkeypatch.setattr(pg_mod, "EXTRA_BINDIRS", ())
    with pytest.raises(RuntimeError, match="apt-get install -y postgresql"):
        LocalPostgres().start()


def test_cli_postgres_prints_dsn_and_stops_on_sigint(assert_gone):
    proc = subprocess.Popen(
        [sys.executable, "-m", "servicehub_localinfra", "postgres"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = proc.stdout.readline()
        assert line.startswith("DATABASE_URL=postgresql://"), line
        pid = int(re.search(r"pid (\d+)", proc.stderr.readline()).group(1))
        with psycopg.connect(line.split("=", 1)[1].strip()) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert_gone(pid)


_START_AND_REPORT = (
    "import sys, time; from servicehub_localinfra import LocalPostgres; "
    "pg = LocalPostgres().start(); print(pg.pid, pg.base_dir, flush=True); "
    "time.sleep(float(sys.argv[1]))"
)


def _dead_or_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_atexit_stops_server_left_running(assert_gone):
    out = subprocess.run(
        [sys.executable, "-c", _START_AND_REPORT, "0"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    pid, base_dir = out.stdout.split()
    assert_gone(int(pid))
    assert not Path(base_dir).exists()


def shared_memory_segments() -> set[str]:
    return {path.name for path in Path("/dev/shm").glob("PostgreSQL.*")}


def test_server_dies_when_python_is_killed():
    """SIGKILL skips atexit; the parent-death signal (setpriv --pdeathsig) still kills it,
    and the killed server leaves no shared-memory segment behind in /dev/shm."""
    segments_before = shared_memory_segments()
    proc = subprocess.Popen(
        [sys.executable, "-c", _START_AND_REPORT, "120"], stdout=subprocess.PIPE, text=True
    )
    try:
        pid, base_dir = proc.stdout.readline().split()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10
        while not _dead_or_zombie(int(pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _dead_or_zombie(int(pid))
        assert shared_memory_segments() - segments_before == set()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        shutil.rmtree(base_dir, ignore_errors=True)  # nobody was left to remove it
