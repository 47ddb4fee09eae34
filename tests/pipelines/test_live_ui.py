"""The Dagster UI and `ecostat run` on one data home, live: `dagster dev` (webserver and daemon)
in a subprocess on a local port, after CLI runs. Its sensor starts nothing for the files the
CLI loaded; a run launched in the UI and a CLI run at the same time both succeed, one waiting
for the other, visibly. Slow (about two minutes): it waits for the daemon's sensor tick."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from warehouse.home import REPO_ROOT

LOCATION = {"repositoryLocationName": "ecostat", "repositoryName": "__repository__"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _UI:
    def __init__(self, port: int, home: Path, env: dict[str, str]) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.home = home
        self.env = env  # what a CLI run beside it needs: the same data home and instance

    def query(self, text: str, variables: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"{self.url}/graphql",
            data=json.dumps({"query": text, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.load(response)
        assert "errors" not in body, body
        return body["data"]

    def run_status(self, run_id: str) -> dict:
        return self.query(
            "query($id: ID!) { runOrError(runId: $id) { ... on Run { status startTime endTime } } }",
            {"id": run_id},
        )["runOrError"]

    def wait_for(self, run_id: str, statuses: set[str], limit_s: float = 240) -> dict:
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            status = self.run_status(run_id)
            if status["status"] in statuses:
                return status
            time.sleep(1)
        raise AssertionError(f"run {run_id} not {statuses} after {limit_s} s: {status}")

    def launch(self, job: str) -> str:
        data = self.query(
            """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
                 __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }
               } }""",
            {"params": {"selector": {**LOCATION, "jobName": job}, "runConfigData": "{}"}},
        )["launchRun"]
        assert data["__typename"] == "LaunchRunSuccess", data
        return data["run"]["runId"]


@pytest.fixture
def ui(seeded_home: Path, tmp_path: Path):
    """`dagster dev` on a copy of a home the CLI has run, as `make ui` starts it."""
    home = tmp_path / "home"
    shutil.copytree(seeded_home, home, ignore=shutil.ignore_patterns("last_run.json"))
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home / "dagster"), "ECOSTAT_HOME": str(home)}
    # As `make ui` does: the copy's dagster.yaml rewritten for where it is now.
    subprocess.run(
        [str(Path(sys.executable).with_name("ecostat")), "init"], env=env, check=True, timeout=120
    )
    log = (tmp_path / "dagster-dev.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster")), "dev", "-p", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its webserver, daemon and code server go with it
    )
    client = _UI(port, home, env)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{client.url}/server_info", timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError(
                        "dagster dev did not start: " + (tmp_path / "dagster-dev.log").read_text()
                    ) from None
                time.sleep(1)
        yield client
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def test_the_ui_after_cli_runs_queues_nothing_and_shares_one_writer(ui) -> None:
    sensor = """{ sensorOrError(sensorSelector: {repositoryLocationName: "ecostat",
                  repositoryName: "__repository__", sensorName: "landing_sensor"}) {
                  ... on Sensor { sensorState { ticks(limit: 5) { status skipReason runIds } } } } }"""
    deadline = time.monotonic() + 150
    ticks: list[dict] = []
    while not ticks and time.monotonic() < deadline:
        time.sleep(3)
        ticks = ui.query(sensor)["sensorOrError"]["sensorState"]["ticks"]
    # Its first tick: every file in landing/ is already in the warehouse; no run requested.
    assert ticks, "the daemon never evaluated landing_sensor"
    assert ticks[-1]["status"] == "SKIPPED" and ticks[-1]["runIds"] == []
    assert "recorded in the warehouse" in ticks[-1]["skipReason"]
    runs = ui.query("{ runsOrError { ... on Runs { results { runId jobName status } } } }")
    assert {r["jobName"] for r in runs["runsOrError"]["results"]} == {"ecostat_all"}

    # The UI's run of everything is going; `ecostat run` waits for it, saying so, then runs.
    ui_run = ui.launch("ecostat_all")
    ui.wait_for(ui_run, {"STARTED", "SUCCESS", "FAILURE"})
    cli = subprocess.run(
        [str(Path(sys.executable).with_name("ecostat")), "run", "--force"],
        cwd=REPO_ROOT,
        env=ui.env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert ui.wait_for(ui_run, {"SUCCESS", "FAILURE"})["status"] == "SUCCESS"
    assert f"Waiting for run {ui_run[:8]} (ecostat_all" in cli.stdout, cli.stdout
    assert "SUCCESS" in cli.stdout

    # And the other way round: the UI's run waits in the queue behind a CLI run.
    cli_process = subprocess.Popen(
        [str(Path(sys.executable).with_name("ecostat")), "run", "--force"],
        cwd=REPO_ROOT,
        env=ui.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            results = ui.query(
                "{ runsOrError(filter: {statuses: [STARTED]}) { ... on Runs { results { runId } } } }"
            )["runsOrError"]["results"]
            if results:
                break
            time.sleep(0.5)
        assert results, "the CLI run never showed as started"
        cli_run = results[0]["runId"]
        queued = ui.launch("load_cleanup")
        assert ui.run_status(queued)["status"] in ("QUEUED", "NOT_STARTED")
        out, _ = cli_process.communicate(timeout=600)
    finally:
        if cli_process.poll() is None:
            cli_process.kill()
    assert cli_process.returncode == 0, out
    done = ui.wait_for(queued, {"SUCCESS", "FAILURE"})
    assert done["status"] == "SUCCESS"
    assert done["startTime"] >= ui.run_status(cli_run)["endTime"]

    # After CLI runs and a load of one dataset, nothing shows as stale: the load job kept the
    # reference tables, whose data version is their content.
    nodes = ui.query("{ assetNodes { assetKey { path } staleStatus } }")["assetNodes"]
    stale = sorted("/".join(n["assetKey"]["path"]) for n in nodes if n["staleStatus"] != "FRESH")
    assert nodes and stale == [], stale
