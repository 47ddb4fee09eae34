"""`ecostat servers` and `ecostat worker`: the cluster profile (warehouse/cluster.py,
docs/cluster.md).

ecostat servers start   PostgreSQL and Redis on this machine's loopback for the data home, and
                        its cluster.yaml pointed at them (to try the profile on one machine)
ecostat servers stop    stop them (their data is kept)
ecostat servers status  whether they run, and where
ecostat worker          a Celery worker that runs the queued runs of the data home
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipelines.commands.common import Exit, fail, prepare


def cmd_servers(args: argparse.Namespace) -> int:
    from pipelines import servers
    from warehouse.home import Home, home_path

    home = Home(home_path())
    if args.action == "stop":
        print("Stopped." if servers.stop(home) else "No servers of this home were running.")
        return Exit.OK
    if args.action == "status":
        running = servers.status(home)
        if running is None:
            print("Not running (`ecostat servers start`).")
            return Exit.FOUND
        print(f"PostgreSQL: {running.postgres_url}\nRedis: {running.redis_url}")
        return Exit.OK
    try:
        running = servers.start(home)
    except servers.ServerError as e:
        return fail("servers start", str(e))
    prepare(sys.stdout)  # dagster.yaml now names them
    print(
        f"PostgreSQL: {running.postgres_url}\nRedis: {running.redis_url}\n"
        f"{home.root / 'cluster.yaml'} points at them: this home is in the cluster profile. "
        "Start the daemon and workers (docs/cluster.md); `ecostat servers stop` stops the servers."
    )
    return Exit.OK


def cmd_worker(args: argparse.Namespace) -> int:
    from warehouse.cluster import CELERY_YAML

    home = prepare(sys.stdout)  # a cluster.yaml that cannot be used: one line (pipelines/cli.py)
    celery_yaml = home.dagster / CELERY_YAML
    if not celery_yaml.exists():
        return fail(
            "worker",
            f"the data home {home.root} is in the local profile, where runs execute in the "
            "process that starts them; write its cluster.yaml (docs/cluster.md) or run "
            "`ecostat servers start` first",
        )
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ)
    env["ECOSTAT_HOME"] = str(home.root.resolve())
    env["DAGSTER_HOME"] = str(home.dagster.resolve())
    # dagster-celery starts `celery` by name: the one beside this Python.
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    command = [
        str(bin_dir / "dagster-celery"),
        "worker",
        "start",
        "-A",
        "dagster_celery.app",
        "-y",
        str(celery_yaml),
        "-l",
        args.loglevel,
        *(["-n", args.name] if args.name else []),
        # Celery's default pool forks daemonic children, which may not start processes of
        # their own: a run there fails at once. One thread runs one run at a time, and the
        # worker's main thread still answers `inspect active`, by which a worker that is gone
        # is told from a busy one (warehouse/launcher.py).
        "--",
        "--pool=threads",
        "--concurrency=1",
    ]
    os.execve(command[0], command, env)
    return Exit.OK  # not reached


def register(sub: argparse._SubParsersAction) -> None:
    """Add servers and worker to the `ecostat` parser."""
    servers = sub.add_parser(
        "servers",
        help="start or stop PostgreSQL and Redis for the data home on this machine (the cluster "
        "profile, tried on one machine)",
    )
    servers.add_argument("action", choices=["start", "stop", "status"])
    servers.set_defaults(func=cmd_servers)
    worker = sub.add_parser(
        "worker",
        help="run a Celery worker that executes the data home's queued runs (cluster profile)",
    )
    worker.add_argument("--name", help="the worker's name (default: a unique one)")
    worker.add_argument("--loglevel", default="INFO", help="Celery's log level (default INFO)")
    worker.set_defaults(func=cmd_worker)
