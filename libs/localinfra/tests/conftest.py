"""Every test must leave no temp folder and no child process behind.

The library's temp folders go to one session folder (``tempfile.tempdir``, and ``TMPDIR`` for
CLI subprocesses) so we can check it is empty after each test without tripping over other
people's files in /tmp.  It is mode 0711 because, as root, PostgreSQL runs as another user that
must be able to enter it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest


def _children() -> set[int]:
    me = str(os.getpid())
    found = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
        except OSError:
            continue
        if fields.get("PPid", "").strip() == me and fields.get("State", "")[:1] != "Z":
            found.add(int(status.parent.name))
    return found


@pytest.fixture(scope="module")
def infra_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Pin pytest's own temp root first, so it is not created inside the patched folder and
    # the patch stays local to these modules when the whole repository's tests run together.
    tmp_path_factory.getbasetemp()
    base = Path(tempfile.mkdtemp(prefix="localinfra-tests-"))
    base.chmod(0o711)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tempfile, "tempdir", str(base))
        mp.setenv("TMPDIR", str(base))
        yield base
    leftovers = list(base.iterdir())
    shutil.rmtree(base)
    assert not leftovers, f"temp folders left behind: {leftovers}"


@pytest.fixture(autouse=True)
def no_leftovers(infra_tmp: Path):
    before = _children()
    yield
    assert list(infra_tmp.iterdir()) == [], "a test left temp folders behind"
    assert _children() - before == set(), "a test left child processes behind"


@pytest.fixture
def assert_gone():
    """``assert_gone(pid)``: the process no longer exists (os.kill(pid, 0) raises)."""

    def check(pid: int) -> None:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)

    return check
