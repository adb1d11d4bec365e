"""Fetch the Apache Kafka broker jars from Maven Central into a local cache.

Why: developers and CI have Java and Maven but no Docker and no Kafka tarball; Maven Central is
reachable, so a tiny pom (``resources/pom.xml``) plus ``mvn dependency:copy-dependencies`` gives
us the broker's classpath.  The copy lands in ``<cache>/kafka-<version>/libs`` and a marker file
is written only after it succeeded, so an interrupted copy is redone and a finished one makes the
next call return at once.  A file lock keeps two concurrent callers from copying over each other.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import time
from pathlib import Path

KAFKA_VERSION = "4.1.1"
RESOURCES = Path(__file__).resolve().parent / "resources"
_MARKER = ".complete"


def _repo_root() -> Path | None:
    """The uv workspace root (the folder holding ``uv.lock``) this package lives in, if any."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "uv.lock").is_file() and (parent / "pyproject.toml").is_file():
            return parent
    return None


def cache_dir() -> Path:
    """``$SERVICEHUB_CACHE_DIR``, else ``<repo root>/.cache``, else ``~/.cache/servicehub``."""
    env = os.environ.get("SERVICEHUB_CACHE_DIR")
    if env:
        return Path(env).expanduser().resolve()
    root = _repo_root()
    return root / ".cache" if root else Path.home() / ".cache" / "servicehub"


def kafka_libs_dir(version: str = KAFKA_VERSION) -> Path:
    """Where the jars of ``version`` live (whether or not they are fetched yet)."""
    return cache_dir() / f"kafka-{version}" / "libs"


def require_tool(name: str, install_hint: str) -> str:
    """Absolute path of an executable on PATH, or a RuntimeError saying how to install it."""
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"`{name}` was not found on PATH; install it: {install_hint}")
    return path


def fetch_kafka(version: str = KAFKA_VERSION, *, quiet: bool = True) -> Path:
    """Make sure the Kafka ``version`` broker jars are cached; return the ``libs`` folder.

    Idempotent and cheap when the cache is complete.  Needs ``mvn`` (and a JDK) on PATH.
    """
    libs = kafka_libs_dir(version)
    home = libs.parent
    if (home / _MARKER).is_file():
        return libs
    home.mkdir(parents=True, exist_ok=True)
    with open(home.parent / f".kafka-{version}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if (home / _MARKER).is_file():  # another process finished while we waited
            return libs
        mvn = require_tool("mvn", "apt-get install -y maven openjdk-17-jdk-headless")
        shutil.rmtree(libs, ignore_errors=True)  # a half-done copy from an interrupted run
        shutil.copy(RESOURCES / "pom.xml", home / "pom.xml")
        cmd = [
            mvn, "-B", "-Dstyle.color=never", "-f", str(home / "pom.xml"),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={libs}", f"-Dkafka.version={version}",
        ]  # fmt: skip
        if quiet:
            cmd.insert(1, "-q")
        started = time.monotonic()
        result = subprocess.run(cmd, cwd=home, capture_output=quiet, text=True)
        if result.returncode != 0:
            output = (result.stdout or "") + (result.stderr or "")
            raise RuntimeError(
                f"mvn could not fetch Kafka {version} (exit {result.returncode}):\n{output[-4000:]}"
            )
        if not any(libs.glob(f"kafka_2.13-{version}.jar")):
            raise RuntimeError(f"mvn finished but {libs} has no kafka_2.13-{version}.jar")
        (home / _MARKER).write_text(f"fetched in {time.monotonic() - started:.1f}s\n")
    return libs
