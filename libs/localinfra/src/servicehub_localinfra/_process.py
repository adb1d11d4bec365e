"""Child-process plumbing shared by the launchers of local servers and services.

Why this exists: a test run or a developer's shell must never be left with a stray JVM or
postmaster.  Every server is therefore started in its own session (so its whole process group
can be signalled), registered for an ``atexit`` stop, and, when started from the main thread,
wrapped in ``setpriv --pdeathsig KILL`` so the kernel kills it even if Python itself is killed
with SIGKILL and ``atexit`` never runs.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Self

_live: dict[int, Callable[[], None]] = {}
_live_lock = threading.Lock()


_handed_out: set[int] = set()
_handed_out_lock = threading.Lock()


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now (the OS picks it) and that this
    process has not handed out before: ports picked back to back (e.g. a gRPC and a metrics
    port for each of four services) are all bound later, and the OS may offer one twice."""
    with _handed_out_lock:
        while True:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            if port not in _handed_out:
                _handed_out.add(port)
                return port


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def death_guard() -> list[str]:
    """Command prefix that makes the kernel SIGKILL the child when this process dies.

    The parent-death signal fires when the *thread* that forked the child exits, so it is only
    used from the main thread (a worker thread may end long before the server should).
    """
    setpriv = shutil.which("setpriv")
    if setpriv and threading.current_thread() is threading.main_thread():
        return [setpriv, "--pdeathsig", "KILL", "--"]
    return []


def register(key: int, stop: Callable[[], None]) -> None:
    """Remember a running server so the atexit hook can stop it."""
    with _live_lock:
        _live[key] = stop


def unregister(key: int) -> None:
    with _live_lock:
        _live.pop(key, None)


@atexit.register
def _stop_all() -> None:
    with _live_lock:
        stops = list(_live.values())
    for stop in stops:
        try:
            stop()
        except Exception:  # noqa: BLE001 - best effort at interpreter exit
            pass


def stop_process(
    proc: subprocess.Popen, *, sig: int = signal.SIGTERM, timeout: float = 30.0
) -> None:
    """Send ``sig`` to the child, wait up to ``timeout`` s, then SIGKILL its process group.

    The child leads its own session (``start_new_session=True``) so its pid is also its
    process-group id; killing the group catches anything it forked.
    """
    if proc.poll() is None:
        try:
            os.kill(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def tail(path: Path, lines: int = 40) -> str:
    """Last ``lines`` lines of a log file, for error messages."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


def wait_until(
    check: Callable[[], bool],
    *,
    timeout: float,
    proc: subprocess.Popen,
    what: str,
    log: Path,
    interval: float = 0.2,
) -> None:
    """Poll ``check`` until it is true; fail early if ``proc`` dies, late on ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(
                f"{what} exited with code {proc.returncode} during startup; "
                f"last lines of {log}:\n{tail(log)}"
            )
        if check():
            return
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"{what} was not ready after {timeout:.0f}s; last lines of {log}:\n{tail(log)}"
            )
        time.sleep(interval)


class LocalServer(ABC):
    """The start and stop that the Kafka, PostgreSQL and Prometheus launchers share.

    A subclass writes its files in ``_prepare()``, which returns the server's command line,
    and says when the server is ready in ``_ready()``.  ``start()`` runs the command under
    ``death_guard()`` in its own session, in the folder of ``log_path`` with stdout and stderr
    appended to it, registers ``stop`` for atexit and waits for ``_ready``; when any of that
    fails it stops what it started and raises with the log's tail.  ``stop()`` sends
    ``stop_signal`` (SIGKILL to the process group after ``timeout`` s) and removes the temp
    folder made by ``_make_temp_dir``.  Use as a context manager.
    """

    stop_signal: int = signal.SIGTERM  # the signal that makes the server shut down cleanly
    ready_interval: float = 0.2  # seconds between readiness checks

    def __init__(self, startup_timeout: float) -> None:
        self.startup_timeout = startup_timeout
        self.pid: int | None = None  # kept after stop() so callers can check it is gone
        self._proc: subprocess.Popen | None = None
        self._temp_dir: Path | None = None

    @property
    @abstractmethod
    def log_path(self) -> Path: ...

    @abstractmethod
    def _prepare(self) -> list[str]:
        """Write what the server needs; return its command line."""

    @abstractmethod
    def _ready(self) -> bool: ...

    @abstractmethod
    def _what(self) -> str:
        """The server and its address, for error messages."""

    def _run_as(self) -> list[str]:
        """Command prefix that changes the server's user; it must come before the death
        guard, since changing credentials clears the parent-death signal."""
        return []

    def _make_temp_dir(self, prefix: str) -> Path:
        """A new temp folder that ``stop()`` removes."""
        self._temp_dir = Path(tempfile.mkdtemp(prefix=prefix))
        return self._temp_dir

    def start(self) -> Self:
        """Start the server and block until it is ready; raise with the log tail otherwise."""
        if self._proc is not None:
            return self
        try:
            command = self._prepare()
            with open(self.log_path, "ab") as log:
                self._proc = subprocess.Popen(
                    [*self._run_as(), *death_guard(), *command],
                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    cwd=self.log_path.parent, start_new_session=True,
                )  # fmt: skip
            self.pid = self._proc.pid
            register(id(self), self.stop)
            wait_until(
                self._ready,
                timeout=self.startup_timeout,
                proc=self._proc,
                what=self._what(),
                log=self.log_path,
                interval=self.ready_interval,
            )
        except BaseException:
            self.stop()
            raise
        return self

    @property
    def running(self) -> bool:
        """True while the server process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def stop(self, timeout: float = 30.0) -> None:
        """``stop_signal``, SIGKILL after ``timeout`` s; then remove the temp folder."""
        if self._proc is not None:
            stop_process(self._proc, sig=self.stop_signal, timeout=timeout)
            self._proc = None
        unregister(id(self))
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
