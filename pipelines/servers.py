"""PostgreSQL and Redis on this machine's loopback for one data home: the cluster profile tried
on one machine (`ecostat servers start`), and the servers the test suite starts for itself.

Both come from Debian's packages (postgresql, redis-server), which `make test` installs when
they are missing. PostgreSQL's data folder is <home>/servers/postgres/, or, when ecostat runs
as root (CI does), a folder of the postgres user's under the system's temporary folder: initdb
refuses to run as root, so the server runs as that user. Each server listens on 127.0.0.1 only,
on a free port chosen at start; <home>/servers/servers.json records them, and
<home>/cluster.yaml is written to point at them (warehouse/cluster.py).

A production cluster runs its own PostgreSQL and Redis (docs/cluster.md): this module is for
trying it, and for tests.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from warehouse.cluster import SETTINGS_FILE
from warehouse.home import Home

DATABASE = "dagster"
LAKE_DATABASE = "ecostat_lake"  # the published lake's catalog (warehouse/lake.py)
USER = "ecostat"


class ServerError(RuntimeError):
    """A server that could not be started or is not installed: the message says what to do."""


@dataclass(frozen=True)
class Servers:
    """The servers started for a home: where their data is and the ports they listen on."""

    postgres_data: str
    postgres_port: int
    redis_dir: str
    redis_port: int

    @property
    def postgres_url(self) -> str:
        return f"postgresql+psycopg2://{USER}@127.0.0.1:{self.postgres_port}/{DATABASE}"

    @property
    def lake_catalog_url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.postgres_port}/{LAKE_DATABASE}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"


def _record(home: Home) -> Path:
    return home.servers / "servers.json"


def _recorded(home: Home) -> Servers | None:
    """The servers the last `start` recorded for the home, or None."""
    try:
        return Servers(**json.loads(_record(home).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _postgres_bin() -> Path:
    """The newest PostgreSQL server Debian installed (/usr/lib/postgresql/<version>/bin)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if not found:
        raise ServerError(
            "PostgreSQL's server is not installed; install Debian's package: "
            "apt-get install postgresql (`make test` does it)"
        )
    return found[-1].parent


def _redis_server() -> str:
    path = shutil.which("redis-server")
    if path is None:
        raise ServerError(
            "Redis is not installed; install Debian's package: apt-get install redis-server "
            "(`make test` does it)"
        )
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    """The command run as the postgres user when ecostat runs as root (initdb refuses root)."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _run(args: list[str], what: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ServerError(f"{what} failed: {said[0]}")


def _postgres_data(home: Home) -> Path:
    if os.geteuid() != 0:
        return home.servers / "postgres"
    # The postgres user must reach its data folder; a home under a private folder (a test's
    # temporary one, root's own) would not let it.
    key = hashlib.sha256(str(home.root.resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"ecostat-postgres-{key}"


def start(home: Home) -> Servers:
    """Start PostgreSQL and Redis for the home (initialising PostgreSQL's data the first time),
    record them and point <home>/cluster.yaml at them. Starting servers already running
    returns them."""
    running = status(home)
    if running is not None:
        return running
    bin_dir, redis_server = _postgres_bin(), _redis_server()
    home.servers.mkdir(parents=True, exist_ok=True)
    data = _postgres_data(home)
    if not (data / "PG_VERSION").exists():
        data.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(data, "postgres", "postgres")
        _run(
            _as_postgres(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(data),
                    "-A",
                    "trust",
                    "-U",
                    USER,
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            "initdb",
        )
    servers = Servers(str(data), _free_port(), str(home.servers / "redis"), _free_port())
    # Connections go over TCP on loopback; the Unix socket goes to the temporary folder, since
    # a socket's path must stay under about 100 characters and a home's may not.
    options = (
        f"-p {servers.postgres_port} -k {tempfile.gettempdir()} "
        "-c listen_addresses=127.0.0.1 -c max_connections=200"
    )
    _run(
        _as_postgres(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(data / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        "starting PostgreSQL",
    )
    try:
        client = ["-h", "127.0.0.1", "-p", str(servers.postgres_port), "-U", USER]
        for database in (DATABASE, LAKE_DATABASE):
            exists = subprocess.run(
                [
                    str(bin_dir / "psql"),
                    *client,
                    "-d",
                    "postgres",
                    "-tAc",
                    f"select 1 from pg_database where datname = '{database}'",
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if exists.stdout.strip() != "1":
                _run([str(bin_dir / "createdb"), *client, database], "creating the database")
        Path(servers.redis_dir).mkdir(parents=True, exist_ok=True)
        _run(
            [
                redis_server,
                "--port",
                str(servers.redis_port),
                "--bind",
                "127.0.0.1",
                "--dir",
                servers.redis_dir,
                "--daemonize",
                "yes",
                "--pidfile",
                str(Path(servers.redis_dir) / "redis.pid"),
                "--logfile",
                str(Path(servers.redis_dir) / "redis.log"),
                "--appendonly",
                "yes",
                "--save",
                "",
            ],
            "starting Redis",
        )
        _wait_for_port(servers.redis_port, "Redis")
    except BaseException:
        # Nothing half-started is left behind: the next start begins again.
        _pg_ctl_stop(data)
        raise
    _record(home).write_text(json.dumps(asdict(servers), indent=2), encoding="utf-8")
    (home.root / SETTINGS_FILE).write_text(
        "# Written by `ecostat servers start`: this home's servers on this machine.\n"
        + yaml.safe_dump(
            {
                "postgres_url": servers.postgres_url,
                "redis_url": servers.redis_url,
                "lake_catalog_url": servers.lake_catalog_url,
            },
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    return servers


def _wait_for_port(port: int, what: str, limit_s: float = 30.0) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise ServerError(f"{what} did not answer on port {port} within {limit_s:g} s")


def status(home: Home) -> Servers | None:
    """The home's servers when both are running, else None."""
    servers = _recorded(home)
    if servers is None:
        return None
    for port in (servers.postgres_port, servers.redis_port):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return None
    return servers


def _pg_ctl_stop(data: Path) -> bool:
    """Stop the PostgreSQL whose data folder is ``data``; whether one was running."""
    if not (data / "postmaster.pid").exists():
        return False
    subprocess.run(
        _as_postgres(
            [str(_postgres_bin() / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]
        ),
        capture_output=True,
        check=False,
    )
    return True


def stop(home: Home) -> bool:
    """Stop the home's servers (their data is kept). Returns whether any was running."""
    servers = _recorded(home)
    if servers is None:
        return False
    stopped = _pg_ctl_stop(Path(servers.postgres_data))
    pidfile = Path(servers.redis_dir) / "redis.pid"
    try:
        os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
        stopped = True
    except (OSError, ValueError):
        pass
    return stopped
