"""Fanout for Python: MPEG-TS in, AV1 (or H.264) MP4 out, in independent chunks.

The same three pieces every face of Fanout uses, from the Rust core:

* :class:`Analyzer` takes the input in pieces and hands out :class:`Chunk`\\ s
  (wire bytes) and passed-through audio;
* :func:`run_chunk` is the chunk job, a pure function of
  ``(chunk bytes, job settings JSON) -> encoded bytes`` (what the browser's
  Web Workers and the CLI's threads run), so it can run on any machine;
* :class:`Assembler` takes the results in any order and writes the MP4.

Settings are the JSON the CLI and the browser use (``pipeline::Settings``);
:func:`settings` builds it from the CLI's options. ``python -m fanout.ray``
runs the chunk jobs on a Ray cluster.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from ._fanout import (
    READ_PIECE,
    Analyzer,
    Assembler,
    AudioFrames,
    Chunk,
    ChunkError,
    FanoutError,
    av1_preset,
    check_settings,
    run_chunk,
)

__all__ = [
    "READ_PIECE",
    "Analyzer",
    "Assembler",
    "AudioFrames",
    "Chunk",
    "ChunkError",
    "FanoutError",
    "av1_preset",
    "check_settings",
    "run_chunk",
    "settings",
]


def settings(
    *,
    video: str = "av1",
    preset: str = "balanced",
    speed: Optional[int] = None,
    quality: Optional[int] = None,
    low_latency: Optional[bool] = None,
    bitrate_cap: Optional[int] = None,
    max_keyframe_interval: int = 0,
    qp: Optional[int] = None,
    chunk_seconds: float = 2.0,
    split: str = "anywhere",
    deinterlace: str = "auto",
    duration: Optional[float] = None,
    audio: str = "aac",
    audio_tracks: str = "all",
    audio_bitrate: Optional[int] = None,
    audio_channels: Optional[int] = None,
    container: str = "mp4",
) -> str:
    """Settings JSON from the CLI's options (same names, same defaults).

    ``audio_bitrate`` is in kbit/s as on the command line. The AV1 preset's
    values come from the core (:func:`av1_preset`); the result is checked
    and completed by the core (:func:`check_settings`), so it is the JSON
    the CLI would build from the same options.
    """
    if video == "av1":
        av1: dict[str, Any] = json.loads(av1_preset(preset))
        for key, value in (("speed", speed), ("quantizer", quality), ("low_latency", low_latency)):
            if value is not None:
                av1[key] = value
        av1["max_keyframe_interval"] = max_keyframe_interval
        # As the CLI: a quantizer set by hand means "this quality", so the
        # preset's bitrate cap (where the core has one) is off unless asked for.
        if bitrate_cap is not None:
            av1["bitrate_cap_percent"] = bitrate_cap
        elif quality is not None and "bitrate_cap_percent" in av1:
            av1["bitrate_cap_percent"] = 0
        video_json: Any = {"Av1": av1}
    elif video == "h264":
        video_json = {"H264": {"qp": 28 if qp is None else qp}}
    elif video == "copy":
        video_json = "Copy"
    else:
        raise ValueError(f"video must be av1, h264 or copy, not {video}")

    def choice(name: str, value: str, names: dict[str, str]) -> str:
        if value not in names:
            raise ValueError(f"{name} must be {' or '.join(names)}, not {value}")
        return names[value]

    value = {
        "video": video_json,
        "chunk_seconds": chunk_seconds,
        "split": choice("split", split, {"anywhere": "Anywhere", "keyframes": "Keyframes"}),
        "deinterlace": choice("deinterlace", deinterlace, {"auto": "Auto", "on": "On", "off": "Off"}),
        "duration_limit": duration,
        "audio": {
            "mode": choice("audio", audio, {"aac": "Aac", "none": "None"}),
            "tracks": choice("audio_tracks", audio_tracks, {"all": "All", "first": "First"}),
            "bitrate": None if audio_bitrate is None else audio_bitrate * 1000,
            "channels": audio_channels,
        },
        "container": choice("container", container, {"mp4": "mp4", "fmp4": "fmp4"}),
    }
    return check_settings(json.dumps(value))
