"""``python -m fanout.ray INPUT -o OUTPUT [--address auto|ray://HOST:10001|HOST:PORT] [CLI options]``

Runs a Fanout transcode with every chunk job a Ray task. The driver (this
process) does what the CLI's main thread and the browser's coordinator
worker do: it reads the input in pieces (a local path or ``s3://``),
plans the chunks (:class:`fanout.Analyzer`), and writes the MP4 in order
(:class:`fanout.Assembler`); the chunk jobs (:func:`fanout.run_chunk`, the
function the browser's Web Workers run) go to the cluster as tasks with
``num_cpus=1``. The output is byte-identical to the CLI's for the same
settings.

* Bounded: at most ``2 * jobs`` tasks are submitted and ``jobs`` more
  chunks planned ahead, so the driver's memory does not grow with the input.
* A task whose worker or node dies is re-run by Ray (``--max-retries``);
  the result is the same bytes. A chunk that fails on its data fails the
  run with the chunk's index and source time range, as the CLI does.
* Ctrl-C cancels the outstanding tasks and leaves no output behind.

The workers need the ``fanout`` package (the same wheel on every node, or
``--ship-package`` to send this one with the job).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import deque
from typing import Any, Callable, Deque, Dict, List, Optional

import fanout
from fanout import storage
from fanout._task import encode_chunk


class TranscodeError(Exception):
    """The transcode failed; the message says why (and which chunk)."""


def _chunk_failure(chunk: fanout.Chunk, error: BaseException) -> str:
    """The message for a chunk whose task failed, worded as the CLI words it."""
    import ray

    cause = getattr(error, "cause", None) if isinstance(error, ray.exceptions.RayTaskError) else error
    if isinstance(cause, fanout.ChunkError):
        return str(cause)  # names the chunk already (the core's wording)
    if isinstance(cause, fanout.FanoutError):
        if cause.kind in ("Cancelled", "UnsupportedFeature", "UnsupportedCodec"):
            return str(cause)
        detail = str(cause)
    else:
        lines = str(cause or error).strip().splitlines()
        detail = f"{type(error).__name__}: {lines[-1] if lines else ''}"
        if isinstance(error, (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError)):
            detail = f"its worker died on every try ({detail})"
    end = "end" if chunk.end is None else f"{chunk.end:.2f} s"
    return f"encoder error: chunk {chunk.index} (source time {chunk.start:.2f} s to {end}) failed: {detail}"


def _take_biggest(queue: Deque[fanout.Chunk]) -> fanout.Chunk:
    """The queued chunk with the most work, the earliest among equals (as the CLI)."""
    best = max(range(len(queue)), key=lambda i: (queue[i].work, -i))
    chunk = queue[best]
    del queue[best]
    return chunk


def transcode(
    input_url: str,
    output_url: str,
    settings_json: str,
    *,
    jobs: int,
    max_retries: int = 3,
    on_progress: Optional[Callable[[Dict[str, Any]], None]] = None,
) -> Dict[str, Any]:
    """Transcodes ``input_url`` to ``output_url`` on the connected Ray cluster.

    ``jobs``: chunk jobs running at once (the cluster's CPUs); twice as many
    are submitted so a worker that finishes finds the next one waiting.
    Returns the core's summary (as the CLI's ``--json``) plus a ``timeline``
    with the node and times of every task. Raises :class:`TranscodeError`.
    """
    import ray

    started = time.time()
    task = ray.remote(encode_chunk).options(
        num_cpus=1, max_retries=max_retries, retry_exceptions=False, name="fanout_chunk"
    )
    settings = json.loads(settings_json)
    container = settings["container"]
    submit_limit = 2 * jobs
    plan_ahead = jobs
    analyzer = fanout.Analyzer(settings_json)
    reader, input_bytes = storage.open_input(input_url)
    in_flight: Dict[Any, tuple] = {}
    queue: Deque[fanout.Chunk] = deque()
    timeline: List[Dict[str, Any]] = []
    warnings: List[str] = []
    serial = 0.0
    planned = 0
    frames_planned = 0
    frames_done = 0
    reading = True
    assembler: Optional[fanout.Assembler] = None
    progress = {"bytes_read": 0, "input_bytes": input_bytes}

    def report() -> None:
        if on_progress:
            progress.update(
                frames_planned=frames_planned,
                frames_done=frames_done,
                chunks_planned=planned,
                chunks_done=len(timeline),
                chunks_in_flight=len(in_flight),
                reading_done=not reading,
            )
            on_progress(progress)

    try:
        with storage.output_path(output_url) as local_output:
            while True:
                waiting = assembler.waiting if assembler else 0
                pending = len(queue) + len(in_flight) + waiting
                # 1. Read while there is room (always when nothing else can move).
                can_read = reading and (
                    pending < submit_limit + plan_ahead or not (queue or in_flight)
                )
                if can_read:
                    piece = reader.read(fanout.READ_PIECE)
                    t = time.perf_counter()
                    if not piece or analyzer.done_reading():
                        analyzer.finish()
                        reading = False
                    else:
                        analyzer.push(piece)
                        progress["bytes_read"] += len(piece)
                    while (chunk := analyzer.next_chunk()) is not None:
                        planned += 1
                        frames_planned += chunk.frames
                        queue.append(chunk)
                    warnings.extend(analyzer.take_warnings())
                    serial += time.perf_counter() - t
                # 2. The assembler, once the stream's format is known.
                job = analyzer.job_settings()
                if assembler is None and job is not None and (queue or not reading):
                    assembler = fanout.Assembler(local_output, job, analyzer.audio_info(), container)
                if assembler is not None:
                    t = time.perf_counter()
                    assembler.add_audio(analyzer.take_audio())
                    if not reading:
                        assembler.end_of_audio()
                    serial += time.perf_counter() - t
                    # 3. Submit, biggest first.
                    while queue and len(in_flight) < submit_limit:
                        chunk = _take_biggest(queue)
                        ref = task.remote(chunk.data, job)
                        in_flight[ref] = (chunk, time.time())
                # 4. Collect what finished; block only when nothing else can move.
                if in_flight:
                    still_reading = reading and (
                        len(queue) + len(in_flight) + assembler.waiting < submit_limit + plan_ahead
                        if assembler
                        else True
                    )
                    done, _ = ray.wait(
                        list(in_flight), num_returns=1, timeout=0 if still_reading else 0.2
                    )
                    # Everything else that is ready too.
                    if done:
                        more, _ = ray.wait(list(in_flight), num_returns=len(in_flight), timeout=0)
                        done = list(dict.fromkeys(done + more))
                    for ref in done:
                        chunk, submitted = in_flight.pop(ref)
                        try:
                            encoded, where = ray.get(ref)
                        except (ray.exceptions.RayError, fanout.FanoutError) as e:
                            raise TranscodeError(_chunk_failure(chunk, e)) from e
                        returned = time.time()
                        t = time.perf_counter()
                        assert assembler is not None
                        assembler.add_chunk(encoded)
                        serial += time.perf_counter() - t
                        frames_done += chunk.frames
                        task_seconds = where["end"] - where["start"]
                        timeline.append(
                            {
                                "index": chunk.index,
                                "frames": chunk.frames,
                                "warmup_frames": chunk.warmup_frames,
                                "chunk_bytes": len(chunk),
                                "encoded_bytes": len(encoded),
                                "node": where["node"],
                                "pid": where["pid"],
                                "start": where["start"] - started,
                                "end": where["end"] - started,
                                "task_seconds": task_seconds,
                                "submitted": submitted - started,
                                "returned": returned - started,
                            }
                        )
                report()
                if not reading and not queue and not in_flight:
                    break
                if not reading and assembler is None and queue:
                    raise TranscodeError("no usable sequence header for the planned chunks")
            if assembler is None:
                raise TranscodeError("no decodable video frame: no video frames found")
            t = time.perf_counter()
            summary = json.loads(assembler.finish(planned))
            serial += time.perf_counter() - t
            assembler = None
    except fanout.FanoutError as e:
        raise TranscodeError(str(e)) from e
    except BaseException:
        # Ctrl-C or a failed chunk: nothing more runs for this transcode.
        for ref in in_flight:
            ray.cancel(ref, force=True)
        raise
    finally:
        # An unfinished assembler removes its spool (OUTPUT.partial).
        del assembler
        reader.close()
    report()
    timeline.sort(key=lambda t: t["index"])
    warnings.extend(analyzer.take_warnings())
    plan = json.loads(analyzer.plan_stats())
    summary.update(
        input_bytes=analyzer.bytes_in,
        skipped_leading_frames=plan.get("skipped_leading_frames", 0),
        warnings=warnings,
        timeline=timeline,
        serial_seconds=serial,
        wall_seconds=time.time() - started,
        jobs=jobs,
        nodes=len({t["node"] for t in timeline}),
    )
    return summary


def _bool(text: str) -> bool:
    if text in ("true", "false"):
        return text == "true"
    raise argparse.ArgumentTypeError(f"expected true or false, not {text}")


def parser() -> argparse.ArgumentParser:
    """The CLI's options (same names and defaults), plus the cluster's."""
    p = argparse.ArgumentParser(
        prog="python -m fanout.ray",
        description="Transcode an MPEG transport stream to an AV1 MP4 with every chunk job a Ray task.",
    )
    p.add_argument("input", help="input transport stream: a path or s3://BUCKET/KEY")
    p.add_argument("-o", "--output", required=True, help="output MP4: a path or s3://BUCKET/KEY")
    cluster = p.add_argument_group("cluster")
    cluster.add_argument(
        "--address",
        help="Ray cluster: auto (the one started on this machine), HOST:PORT, or ray://HOST:10001 "
        "(Ray Client); default: RAY_ADDRESS, else a local Ray started for this run",
    )
    cluster.add_argument("--node-ip-address", help="this machine's address in the cluster (e.g. 127.0.0.1)")
    cluster.add_argument("--max-retries", type=int, default=3, help="re-runs of a task whose worker or node died")
    cluster.add_argument(
        "--ship-package",
        action="store_true",
        help="send this fanout package to the workers with the job (nodes without the wheel; same OS and CPU)",
    )
    cluster.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--preset", choices=["fast", "balanced", "small"], default="balanced")
    p.add_argument("--speed", type=int, choices=range(0, 11), metavar="0-10")
    p.add_argument("--quality", type=int)
    p.add_argument("--bitrate-cap", type=int)
    p.add_argument("--low-latency", type=_bool)
    p.add_argument("--max-keyframe-interval", type=int, default=0)
    p.add_argument("--chunk-seconds", type=float, default=2.0)
    p.add_argument("--split", choices=["anywhere", "keyframes"], default="anywhere")
    p.add_argument(
        "-j", "--jobs", type=int, default=0, help="chunk jobs at once (0: the cluster's CPUs)"
    )
    p.add_argument("--qp", type=int, choices=range(0, 52), metavar="0-51")
    p.add_argument("--video", choices=["av1", "h264", "copy"], default="av1")
    p.add_argument("--deinterlace", choices=["auto", "on", "off"], default="auto")
    p.add_argument("--audio", choices=["aac", "none"], default="aac")
    p.add_argument("--audio-tracks", choices=["all", "first"], default="all")
    p.add_argument("--audio-bitrate", type=int)
    p.add_argument("--audio-channels", type=int)
    p.add_argument("--container", choices=["mp4", "fmp4"], default="mp4")
    p.add_argument("-t", "--duration", type=float)
    p.add_argument("--json", action="store_true", help="machine-readable stats on stdout")
    return p


def settings_from_args(args: argparse.Namespace) -> str:
    """The settings JSON the CLI builds from the same options."""
    return fanout.settings(
        video=args.video,
        preset=args.preset,
        speed=args.speed,
        quality=args.quality,
        bitrate_cap=args.bitrate_cap,
        low_latency=args.low_latency,
        max_keyframe_interval=args.max_keyframe_interval,
        qp=args.qp,
        chunk_seconds=args.chunk_seconds,
        split=args.split,
        deinterlace=args.deinterlace,
        duration=args.duration,
        audio=args.audio,
        audio_tracks=args.audio_tracks,
        audio_bitrate=args.audio_bitrate,
        audio_channels=args.audio_channels,
        container=args.container,
    )


def _stdout_for_the_report():
    """A stream on the real stdout, with fd 1 pointed at stderr from now on.

    Ray's own messages (a dead worker, a lost node) are written to fd 1 by
    its Python and C++ layers alike; moving fd 1 keeps stdout for the
    driver's report alone, so `--json` stays parseable.
    """
    sys.stdout.flush()
    report = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    return report


def main(argv: Optional[List[str]] = None) -> int:
    args = parser().parse_args(argv)
    report = _stdout_for_the_report()
    try:
        settings_json = settings_from_args(args)
    except (ValueError, fanout.FanoutError) as e:
        print(f"fanout.ray: {e}", file=sys.stderr)
        return 2

    import ray

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    init: Dict[str, Any] = {"address": args.address, "log_to_driver": False}
    if args.node_ip_address:
        init["_node_ip_address"] = args.node_ip_address
    if args.ship_package:
        init["runtime_env"] = {"py_modules": [os.path.dirname(fanout.__file__)]}
    ray.init(**init)
    jobs = args.jobs or max(1, int(ray.cluster_resources().get("CPU", 1)))

    bar = None
    on_progress = None
    if not (args.json or args.no_progress):
        from tqdm import tqdm

        bar = tqdm(total=0, unit="frame", dynamic_ncols=True, file=sys.stderr)

        def on_progress(p: Dict[str, Any]) -> None:
            planned = "" if p["reading_done"] else "+"
            bar.total = max(p["frames_planned"], p["frames_done"])
            bar.n = p["frames_done"]
            bar.set_postfix_str(
                f"chunks {p['chunks_done']}/{p['chunks_planned']}{planned} "
                f"({p['chunks_in_flight']} in flight)",
                refresh=False,
            )
            bar.refresh()

    try:
        summary = transcode(
            args.input,
            args.output,
            settings_json,
            jobs=jobs,
            max_retries=args.max_retries,
            on_progress=on_progress,
        )
    except KeyboardInterrupt:
        if bar:
            bar.close()
        print("fanout.ray: cancelled (outstanding tasks cancelled)", file=sys.stderr)
        return 130
    except TranscodeError as e:
        if bar:
            bar.close()
        if args.json:
            print(json.dumps({"error": str(e)}), file=report, flush=True)
        print(f"fanout.ray: {args.input}: {e}", file=sys.stderr)
        return 1
    if bar:
        bar.close()
    if args.json:
        print(json.dumps(summary, indent=2), file=report, flush=True)
    else:
        for w in summary["warnings"]:
            print(f"warning: {w}", file=sys.stderr)
        wall = max(summary["wall_seconds"], 1e-9)
        print(f"{args.input} -> {args.output}", file=report)
        print(
            f"  video     {summary['width']}x{summary['height']} {summary['bit_depth']}-bit, "
            f"{summary['frames']} frames in {summary['chunks']} chunks on {summary['nodes']} node(s), "
            f"{jobs} jobs",
            file=report,
        )
        print(f"  audio     {summary['audio_frames']} frames in {len(summary['audio_tracks'])} track(s)", file=report)
        print(
            f"  size      {summary['input_bytes'] / 1e6:.2f} MB in, {summary['output_bytes'] / 1e6:.2f} MB out "
            f"({summary['bitrate'] / 1000:.0f} kbit/s)",
            file=report,
        )
        print(
            f"  time      {wall:.2f} s wall, {summary['frames'] / wall:.1f} fps, "
            f"{summary['input_duration'] / wall:.2f}x real time",
            file=report,
        )
    report.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
