"""A real two-node Ray cluster and a real S3 (moto) server on 127.0.0.1, for the tests.

Each node has one CPU and a small object store; usage stats are off; the
cluster is stopped (`ray stop --force`) when the session ends, whatever
happened. scripts/test-ray also stops it in a trap.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
RAY = str(BIN / "ray")
CLI = str(REPO / "target" / "release" / "fanout")
CORPUS = REPO.parent / "shared" / "corpus"
OBJECT_STORE = str(80 * 1024 * 1024)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raylets() -> set[int]:
    out = subprocess.run(["pgrep", "-f", "ray/raylet/raylet"], capture_output=True, text=True).stdout
    return {int(p) for p in out.split()}


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, title) of the processes whose parent is `pid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                title = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
                found.append((int(entry), title))
        except (OSError, ValueError, IndexError):
            continue
    return found


def workers_of(raylet: int) -> list[tuple[int, str]]:
    """The worker processes of a node (its raylet's `ray::` children but the agents)."""
    return [
        (pid, title)
        for pid, title in children(raylet)
        if title.startswith("ray::") and "Agent" not in title
    ]


class Cluster:
    def __init__(self) -> None:
        self.temp = tempfile.mkdtemp(prefix="fray-", dir="/tmp")
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0")
        self.head_raylet = 0
        self.node2_raylet = 0

    def start(self) -> None:
        try:
            self._start()
        except subprocess.CalledProcessError as e:
            raise RuntimeError(f"ray start failed: {e.stderr.decode(errors='replace')[-3000:]}") from e

    def _start(self) -> None:
        common = [
            "--node-ip-address=127.0.0.1",
            "--num-cpus=1",
            f"--object-store-memory={OBJECT_STORE}",
            "--disable-usage-stats",
        ]
        before = raylets()
        subprocess.run(
            [RAY, "start", "--head", f"--port={self.port}", "--include-dashboard=false",
             f"--temp-dir={self.temp}", *common],
            env=self.env, check=True, capture_output=True, timeout=90,
        )
        (self.head_raylet,) = raylets() - before
        before = raylets()
        subprocess.run(
            [RAY, "start", f"--address={self.address}", *common],
            env=self.env, check=True, capture_output=True, timeout=90,
        )
        (self.node2_raylet,) = raylets() - before

    def stop(self) -> None:
        subprocess.run([RAY, "stop", "--force"], env=self.env, capture_output=True, timeout=60)
        shutil.rmtree(self.temp, ignore_errors=True)


@pytest.fixture(scope="session")
def cluster():
    c = Cluster()
    try:
        c.start()
        yield c
    finally:
        c.stop()


@pytest.fixture(scope="session")
def s3():
    """A moto S3 server on 127.0.0.1; yields the environment that points boto3 at it."""
    port = free_port()
    env = dict(
        os.environ,
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
    )
    server = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("moto_server did not start")
                time.sleep(0.2)
        yield env
    finally:
        server.terminate()
        server.wait(timeout=10)
