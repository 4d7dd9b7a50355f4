"""The Ray driver on a real two-node cluster: the CLI's bytes, a killed node's
workers, S3 through a moto server, a chunk that fails, Ctrl-C."""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CLI, CORPUS, workers_of

INPUT = CORPUS / "hls-concat-h264-aac-multigop.ts"
# 24 s of 320x180 AV1 at the fast preset in 2 s chunks: 12 chunks, about a
# second of rav1e each.
AV1 = ["--preset", "fast", "--chunk-seconds", "2", "-t", "24"]
H264 = ["--video", "h264", "--chunk-seconds", "1.5", "-t", "20"]


@functools.lru_cache(maxsize=None)
def cli_bytes(options: tuple[str, ...], tmp: str) -> bytes:
    """What the CLI writes for these options (the reference)."""
    out = Path(tmp) / f"cli-{abs(hash(options))}.mp4"
    subprocess.run(
        [CLI, str(INPUT), "-o", str(out), "--jobs", "2", "--no-checkpoints", *options],
        check=True, capture_output=True, timeout=240,
    )
    return out.read_bytes()


@pytest.fixture(scope="session")
def reference_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("reference"))


def driver(cluster, input_url, output_url, options, env=None, **popen):
    command = [
        sys.executable, "-m", "fanout.ray", str(input_url), "-o", str(output_url),
        "--address", cluster.address, "--node-ip-address", "127.0.0.1", "--json", *options,
    ]
    return subprocess.Popen(
        command, env=env or cluster.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, **popen,
    )


def finish(proc, timeout=240):
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"driver failed ({proc.returncode}): {err[-3000:]}"
    return json.loads(out)


def test_two_nodes_write_the_cli_bytes(cluster, reference_dir, tmp_path):
    out = tmp_path / "ray.mp4"
    summary = finish(driver(cluster, INPUT, out, AV1))
    assert summary["chunks"] == 12
    assert summary["nodes"] == 2, "both nodes ran chunk jobs"
    assert out.read_bytes() == cli_bytes(tuple(AV1), reference_dir)
    assert not Path(f"{out}.partial").exists()


def test_killed_workers_are_rerun_to_the_same_bytes(cluster, reference_dir, tmp_path):
    expected = cli_bytes(tuple(AV1), reference_dir)
    out = tmp_path / "killed.mp4"
    proc = driver(cluster, INPUT, out, AV1)
    killed = []
    deadline = time.time() + 120
    # Wait until the second node is running a chunk job, then SIGKILL every
    # worker process of that node.
    while time.time() < deadline and proc.poll() is None:
        busy = [w for w in workers_of(cluster.node2_raylet) if "fanout_chunk" in w[1]]
        if busy:
            time.sleep(0.3)
            for pid, title in workers_of(cluster.node2_raylet):
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(title)
                except ProcessLookupError:
                    pass
            break
        time.sleep(0.05)
    assert any("fanout_chunk" in t for t in killed), f"no running chunk job was killed: {killed}"
    assert proc.poll() is None, "the driver was still running when the workers died"
    summary = finish(proc)
    assert summary["chunks"] == 12
    assert out.read_bytes() == expected, "the re-run chunk gave the same bytes"


def test_s3_input_and_output_through_moto(cluster, s3, reference_dir, tmp_path):
    import boto3

    env = dict(cluster.env, **{k: s3[k] for k in s3 if k.startswith("AWS_")})
    client = boto3.client(
        "s3", endpoint_url=s3["AWS_ENDPOINT_URL"], aws_access_key_id="testing",
        aws_secret_access_key="testing", region_name="us-east-1",
    )
    client.create_bucket(Bucket="fanout-test")
    client.upload_file(str(INPUT), "fanout-test", "in/clip.ts")
    summary = finish(
        driver(cluster, "s3://fanout-test/in/clip.ts", "s3://fanout-test/out/clip.mp4", H264, env=env)
    )
    assert summary["chunks"] >= 6
    got = client.get_object(Bucket="fanout-test", Key="out/clip.mp4")["Body"].read()
    assert got == cli_bytes(tuple(H264), reference_dir)
    # A failed run uploads nothing.
    proc = driver(cluster, "s3://fanout-test/in/missing.ts", "s3://fanout-test/out/none.mp4", H264, env=env)
    proc.communicate(timeout=120)
    assert proc.returncode != 0
    listed = client.list_objects_v2(Bucket="fanout-test", Prefix="out/")
    assert [o["Key"] for o in listed.get("Contents", [])] == ["out/clip.mp4"]


class _Truncated:
    """A chunk whose wire bytes are cut in half: its job fails on every try."""

    def __init__(self, chunk):
        self._chunk = chunk

    def __getattr__(self, name):
        return getattr(self._chunk, name)

    @property
    def data(self):
        data = self._chunk.data
        return data[: len(data) // 2]

    def __len__(self):
        return len(self._chunk) // 2


class _BadChunkTwo:
    """The real Analyzer, but chunk 2 arrives damaged in transit."""

    def __init__(self, settings):
        import fanout

        self._inner = fanout._fanout.Analyzer(settings)

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def next_chunk(self):
        chunk = self._inner.next_chunk()
        return _Truncated(chunk) if chunk is not None and chunk.index == 2 else chunk


@pytest.fixture(scope="module")
def connected(cluster):
    """This process as a Ray driver on the cluster (for transcode() in-process)."""
    import ray

    ray.init(address=cluster.address, _node_ip_address="127.0.0.1", log_to_driver=False)
    yield
    ray.shutdown()


def test_a_chunk_that_fails_fails_the_run_with_its_index_and_time(connected, tmp_path, monkeypatch):
    import fanout
    import fanout.ray as driver_module

    monkeypatch.setattr(fanout, "Analyzer", _BadChunkTwo)
    out = tmp_path / "bad.mp4"
    settings = fanout.settings(preset="fast", chunk_seconds=2, duration=24)
    with pytest.raises(driver_module.TranscodeError) as failed:
        driver_module.transcode(str(INPUT), str(out), settings, jobs=2)
    message = str(failed.value)
    assert "chunk 2 (source time 4.00 s to 6.00 s) failed" in message, message
    assert "malformed input" in message, message
    assert not out.exists() and not Path(f"{out}.partial").exists()


def test_interrupt_cancels_the_running_tasks(cluster, connected, tmp_path):
    import fanout
    import fanout.ray as driver_module

    busy: list[int] = []

    def interrupt_once_running(progress):
        # Ctrl-C arrives while chunk jobs run on the cluster.
        if not progress["chunks_in_flight"]:
            return
        deadline = time.time() + 60
        while not busy and time.time() < deadline:
            busy.extend(
                pid for r in (cluster.head_raylet, cluster.node2_raylet)
                for pid, title in workers_of(r) if "fanout_chunk" in title
            )
            time.sleep(0.02)
        raise KeyboardInterrupt

    out = tmp_path / "interrupted.mp4"
    settings = fanout.settings(preset="fast", chunk_seconds=2, duration=24)
    with pytest.raises(KeyboardInterrupt):
        driver_module.transcode(str(INPUT), str(out), settings, jobs=2, on_progress=interrupt_once_running)
    assert busy, "chunk jobs were running"
    assert not out.exists() and not Path(f"{out}.partial").exists()
    # Force-cancelled: their worker processes are ended at once, where a
    # finished task would leave its worker alive and idle for the next.
    deadline = time.time() + 5
    while time.time() < deadline and any(os.path.exists(f"/proc/{pid}") for pid in busy):
        time.sleep(0.05)
    assert not [pid for pid in busy if os.path.exists(f"/proc/{pid}")], "cancelled workers still alive"


def test_ctrl_c_exits_130_and_leaves_no_output(cluster, tmp_path):
    out = tmp_path / "cancelled.mp4"
    proc = driver(cluster, INPUT, out, AV1)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        running = [w for r in (cluster.head_raylet, cluster.node2_raylet) for w in workers_of(r)]
        if any("fanout_chunk" in t for _, t in running):
            break
        time.sleep(0.05)
    assert proc.poll() is None
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err[-2000:]
    assert "cancelled" in err
    assert not out.exists() and not Path(f"{out}.partial").exists()
