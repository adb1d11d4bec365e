"""Child-process plumbing shared by the Kafka and PostgreSQL launchers.

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
import threading
import time
from collections.abc import Callable
from pathlib import Path

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
