"""A throwaway PostgreSQL 15 cluster for the test suite (``ERREVIEW_TEST_BACKEND=postgresql``).

``initdb`` refuses to run as root, so the cluster is made and started as the ``postgres`` user in a
temporary folder, with trust authentication, listening only on 127.0.0.1 at a spare port. Each test gets
its own database, so tests stay independent exactly as with SQLite files.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

BIN = Path("/usr/lib/postgresql/15/bin")
BACKENDS = ("sqlite", "postgresql")
BACKEND = os.environ.get("ERREVIEW_TEST_BACKEND", "sqlite")
if BACKEND not in BACKENDS:
    # A misspelt backend must not quietly run the suite on SQLite and report it as PostgreSQL's.
    raise RuntimeError(f"ERREVIEW_TEST_BACKEND={BACKEND!r} is not one of: {', '.join(BACKENDS)}")


class ThrowawayPostgres:
    def __init__(self) -> None:
        if not (BIN / "initdb").exists():
            raise RuntimeError(
                "PostgreSQL 15 is required: run scripts/install-system-deps (apt-get install postgresql)"
            )
        self.dir = Path(tempfile.mkdtemp(prefix="erreview-pg-"))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        as_postgres = os.getuid() == 0
        if as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
        data = self.dir / "data"

        def run(*args: str) -> None:
            command = list(args)
            if as_postgres:
                command = ["runuser", "-u", "postgres", "--", *command]
            subprocess.run(command, check=True, capture_output=True, cwd=self.dir)

        self._run = run
        run(
            str(BIN / "initdb"),
            "-D",
            str(data),
            "--auth=trust",
            "-U",
            "postgres",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        run(
            str(BIN / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(self.dir / "log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            # The suite keeps many engines (one per test database) with pooled connections open at once: the
            # default 100 ran out at the end of a full run ("too many clients already").
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=400",
            "start",
        )
        self.data = data
        atexit.register(self.stop)

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def new_database(self, prefix: str = "t") -> str:
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.data.exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run(str(BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
            for _ in range(20):
                try:
                    shutil.rmtree(self.dir)
                    break
                except OSError:
                    time.sleep(0.1)


_server: ThrowawayPostgres | None = None


def server() -> ThrowawayPostgres:
    global _server
    if _server is None:
        _server = ThrowawayPostgres()
    return _server


def database_url(folder: Path, name: str) -> str:
    """A fresh, empty database for one test: a SQLite file in ``folder``, or a new PostgreSQL database."""
    if BACKEND == "postgresql":
        return server().new_database(name.replace(".", "_").replace("-", "_"))
    return f"sqlite:///{folder / name}"
