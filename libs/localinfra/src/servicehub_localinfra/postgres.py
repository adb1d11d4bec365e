"""A throw-away PostgreSQL cluster in a temp folder, for the production-store test path.

Why: tests of the PostgreSQL event store need a real server but no shared state and no Docker.
We use the Debian ``postgresql`` package's binaries directly: ``initdb`` a fresh cluster, run
``postgres`` as our child on 127.0.0.1 (free port, unix socket inside the temp folder), and
delete everything on stop.  PostgreSQL refuses to run as root, and developers' machines and CI
run as root, so in that case the server runs as the ``postgres`` user (``nobody`` if the package
did not create one) and the temp folder is handed to that user.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
from pathlib import Path
from urllib.parse import quote

from ._process import LocalServer, free_port, port_open

INSTALL_HINT = "apt-get install -y postgresql (Debian/Ubuntu; provides initdb and postgres)"

DEBIAN_BINDIRS = "/usr/lib/postgresql/*/bin"
EXTRA_BINDIRS = ("/usr/local/bin", "/usr/local/pgsql/bin")

# Throw-away data: durability settings off for speed, and nothing listens beyond loopback.
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
}
# A production server's durability, for figures that must pay for it (benchmarks).
DURABLE_SETTINGS = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}


def find_pg_bindir() -> Path:
    """Folder holding ``initdb`` and ``postgres``: PATH, then /usr/lib/postgresql/<newest>/bin,
    /usr/local/bin, /usr/local/pgsql/bin.  Debian keeps them off PATH, hence the search."""
    candidates = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    versions = glob.glob(DEBIAN_BINDIRS)
    versions.sort(key=lambda p: [int(x) for x in re.findall(r"\d+", p)], reverse=True)
    candidates += [Path(p) for p in versions]
    candidates += [Path(p) for p in EXTRA_BINDIRS]
    for bindir in candidates:
        if all(os.access(bindir / tool, os.X_OK) for tool in ("initdb", "postgres")):
            return bindir
    raise RuntimeError(
        "PostgreSQL server binaries (initdb, postgres) were not found on PATH, in "
        f"/usr/lib/postgresql/*/bin or /usr/local/bin; install them: {INSTALL_HINT}"
    )


def _server_account() -> pwd.struct_passwd | None:
    """The account to run the server as: None when we are not root (run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and no 'postgres' or 'nobody' user to run PostgreSQL as")


class LocalPostgres(LocalServer):
    """A fresh PostgreSQL cluster on 127.0.0.1 with one database and one (super)user.

    After ``start()``: ``host``, ``port``, ``user``, ``password``, ``dbname``, ``dsn``
    (``postgresql://user:password@127.0.0.1:port/dbname``) and ``socket_dir``.  TCP connections
    need the password (scram-sha-256); the unix socket in ``socket_dir`` trusts local users.
    ``stop()`` shuts the server down and removes the temp folder.  Use as a context manager.
    """

    host = "127.0.0.1"
    stop_signal = signal.SIGINT  # fast shutdown
    ready_interval = 0.05

    def __init__(
        self,
        *,
        user: str = "servicehub",
        password: str | None = None,
        dbname: str = "servicehub",
        startup_timeout: float = 60.0,
        durable: bool = False,
    ) -> None:
        """`durable` keeps fsync, synchronous_commit and full_page_writes on, as in
        production; by default they are off (throw-away data, faster tests)."""
        super().__init__(startup_timeout)
        self.durable = durable
        self.user = user
        self.password = password or secrets.token_urlsafe(16)
        self.dbname = dbname
        self.port: int | None = None
        self.base_dir: Path | None = None
        self._account: pwd.struct_passwd | None = None

    @property
    def env(self) -> dict[str, str]:
        """The standard POSTGRES_* variables (as eventsourcing reads them) for this server."""
        return {
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
        }

    @property
    def dsn(self) -> str:
        return (
            f"postgresql://{quote(self.user, safe='')}:{quote(self.password, safe='')}"
            f"@{self.host}:{self.port}/{quote(self.dbname, safe='')}"
        )

    @property
    def socket_dir(self) -> Path:
        assert self.base_dir is not None
        return self.base_dir

    @property
    def data_dir(self) -> Path:
        assert self.base_dir is not None
        return self.base_dir / "data"

    @property
    def log_path(self) -> Path:
        assert self.base_dir is not None
        return self.base_dir / "postgres.log"

    def _run(self, cmd: list[str], account, stdin: str | None = None) -> str:
        """Run a one-shot PostgreSQL tool as the server account; raise with its output."""
        result = subprocess.run(
            [*_as_account(account), *cmd], input=stdin, capture_output=True, text=True,
            cwd=self.base_dir,
        )  # fmt: skip
        output = result.stdout + result.stderr
        if result.returncode != 0 or re.search(r"\b(ERROR|FATAL):", output):
            hint = (
                f"\n(the server runs as user {account.pw_name!r}: its temp folder "
                f"{self.base_dir} must be reachable by that user; check TMPDIR)"
                if account
                else ""
            )
            raise RuntimeError(
                f"{Path(cmd[0]).name} failed (exit {result.returncode}):\n{output}{hint}"
            )
        return output

    def _prepare(self) -> list[str]:
        """initdb a cluster in a new temp folder and create the database."""
        bindir = find_pg_bindir()
        account = self._account = _server_account()
        self.base_dir = self._make_temp_dir("servicehub-pg-")
        if account:
            os.chown(self.base_dir, account.pw_uid, account.pw_gid)
        pwfile = self.base_dir / "pwfile"
        pwfile.write_text(self.password + "\n")
        if account:
            os.chown(pwfile, account.pw_uid, account.pw_gid)
        self._run(
            [str(bindir / "initdb"), "-D", str(self.data_dir), "-U", self.user,
             f"--pwfile={pwfile}", "--auth-local=trust", "--auth-host=scram-sha-256",
             "-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions"],
            account,
        )  # fmt: skip
        pwfile.unlink()
        # Dynamic shared memory in the data folder, not /dev/shm: a server killed with
        # SIGKILL (its parent died) leaves segments behind, and the folder is removed.
        with open(self.data_dir / "postgresql.conf", "a") as conf:
            conf.write("dynamic_shared_memory_type = mmap\n")
        if self.dbname != "postgres":  # initdb made that one; single-user mode makes
            self._run(  # ours before any port is opened, with no client tools needed
                [str(bindir / "postgres"), "--single", "-D", str(self.data_dir), "postgres"],
                account,
                stdin=f"CREATE DATABASE {_ident(self.dbname)} OWNER {_ident(self.user)};\n",
            )
        self.port = free_port()
        settings = {**SERVER_SETTINGS, **(DURABLE_SETTINGS if self.durable else {}),
                    "port": str(self.port),
                    "unix_socket_directories": str(self.socket_dir)}  # fmt: skip
        return [str(bindir / "postgres"), "-D", str(self.data_dir),
                *(f"-c{k}={v}" for k, v in settings.items())]  # fmt: skip

    def _run_as(self) -> list[str]:
        return _as_account(self._account)

    def _what(self) -> str:
        return f"PostgreSQL on {self.host}:{self.port}"

    def _ready(self) -> bool:
        """postmaster.pid's 8th line reads "ready" and the port accepts connections."""
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        except OSError:
            return False
        return len(lines) >= 8 and lines[7].strip() == "ready" and port_open(self.port)


def _as_account(account: pwd.struct_passwd | None) -> list[str]:
    """Command prefix that drops root to ``account`` (no supplementary groups).

    Done by ``setpriv`` rather than Popen's ``user``/``group``: those make Python fork()
    instead of vfork(), and a fork of a process running gRPC threads runs gRPC's at-fork
    handlers in the child, which crashed the server at start (-11) once in a few runs."""
    if account is None:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise RuntimeError("running as root needs setpriv to run PostgreSQL as another user: "
                           "install util-linux")
    return [setpriv, f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups", "--"]


def _ident(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'
