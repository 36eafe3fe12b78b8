"""A PostgreSQL server for the session, from Debian's package: ``initdb`` into a temporary
folder, ``pg_ctl start`` on a free port (TCP on 127.0.0.1, trust authentication), a fresh
database per test, ``pg_ctl stop`` at the end.

PostgreSQL refuses to run as root, so as root the folder is given to the ``postgres`` user
(which Debian's package creates) and the commands run through ``runuser``. Without the
binaries the PostgreSQL tests skip on a developer's machine and fail under ``CI``
(``.ci/run`` installs the ``postgresql`` package when ``initdb`` is missing).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from emlib.classroom import Classroom


def _binary(name: str) -> str | None:
    """A PostgreSQL program: Debian keeps them in /usr/lib/postgresql/VERSION/bin (newest
    first), off PATH; /usr/bin's createdb is a wrapper that wants a configured cluster."""
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server():
    """(host, port) of a running PostgreSQL server with the superuser ``postgres``."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if not (initdb and pg_ctl):
        message = "PostgreSQL's initdb/pg_ctl are missing (Debian: apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must install them")
        pytest.skip(message)
    prefix: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="emlab-pg-"))
    if os.geteuid() == 0:  # PostgreSQL will not run as root: as Debian's postgres user
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder, ignore_errors=True)
            pytest.fail("running as root without a postgres user (Debian's package makes it)")
        os.chown(folder, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, log = folder / "data", folder / "server.log"
    port = _free_port()
    subprocess.run(
        [*prefix, initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
         "--no-sync"],
        check=True, capture_output=True,
    )  # fmt: skip
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    started = subprocess.run(
        [*prefix, pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w", "start"],
        capture_output=True, text=True,
    )  # fmt: skip
    if started.returncode != 0:
        text = log.read_text() if log.exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {started.stderr}\n{text}")
    try:
        yield "127.0.0.1", port
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"], capture_output=True
        )
        shutil.rmtree(folder, ignore_errors=True)


_databases = iter(range(1, 10_000))


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """The URL of a new, empty database on the session's server."""
    host, port = postgres_server
    name = f"emlab_test_{next(_databases)}"
    subprocess.run(
        [_binary("createdb"), "-h", host, "-p", str(port), "-U", "postgres", name],
        check=True, capture_output=True,
    )  # fmt: skip
    return f"postgresql://postgres@{host}:{port}/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> str:
    """An empty database: a SQLite file, and a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'classroom.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def classroom(database_url):
    store = Classroom.connect(database_url)
    yield store
    store.close()
