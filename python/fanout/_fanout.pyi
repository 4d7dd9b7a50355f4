"""Typed stubs of the extension module (python/src/lib.rs)."""

from typing import Callable, Optional

READ_PIECE: int
"""Input is best pushed in pieces of this size (4 MiB), as the CLI reads it."""

class FanoutError(Exception):
    """A transcode failed; ``kind`` names the core's error ("Malformed", "UnsupportedCodec", ...)."""

    kind: str

class ChunkError(FanoutError):
    """A chunk job failed on its data. The message names the chunk and its source time range."""

    index: int
    start: float
    end: Optional[float]

def av1_preset(name: str) -> str:
    """JSON of the AV1 settings a preset ("fast", "balanced", "small") stands for."""

def check_settings(settings: str) -> str:
    """Validates settings JSON (``pipeline::Settings``); returns it with every field present."""

def run_chunk(
    chunk: bytes, job_settings: str, progress: Optional[Callable[[int], bool]] = None
) -> bytes:
    """The chunk job: chunk wire bytes and job settings JSON in, encoded wire bytes out.

    A pure function, the same the browser's Web Workers run; releases the GIL.
    ``progress(frames_done)`` returning ``False`` cancels. Raises :class:`ChunkError`.
    """

class Chunk:
    """One planned chunk."""

    @property
    def index(self) -> int: ...
    @property
    def frames(self) -> int:
        """Frames it outputs."""
    @property
    def warmup_frames(self) -> int:
        """Frames decoded only to rebuild references."""
    @property
    def work(self) -> float:
        """Relative cost (bigger first keeps the tail short)."""
    @property
    def start(self) -> float:
        """Source time of its first frame, seconds."""
    @property
    def end(self) -> Optional[float]:
        """Source time where the next chunk starts; ``None`` for the last."""
    @property
    def data(self) -> bytes:
        """The chunk's wire bytes, for :func:`run_chunk`."""
    def __len__(self) -> int: ...

class AudioFrames:
    """Passed-through audio frames from :meth:`Analyzer.take_audio`, for :meth:`Assembler.add_audio`."""

    def __len__(self) -> int: ...

class Analyzer:
    """Demux and chunk planning over input pieces."""

    def __init__(self, settings: str) -> None:
        """``settings``: JSON of ``pipeline::Settings`` (see :func:`fanout.settings`)."""
    def push(self, data: bytes) -> None:
        """Feeds the next piece of the input."""
    def finish(self) -> None:
        """Ends the input."""
    def done_reading(self) -> bool:
        """Whether the duration limit means no more input is needed."""
    def next_chunk(self) -> Optional[Chunk]:
        """The next chunk ready to be encoded, or ``None``."""
    def job_settings(self) -> Optional[str]:
        """JSON of the job settings, once the first chunk is out."""
    def audio_info(self) -> str:
        """JSON array of the output's audio tracks."""
    def take_audio(self) -> AudioFrames:
        """Takes the passed-through audio demuxed so far."""
    def take_warnings(self) -> list[str]:
        """Warnings found since the last call."""
    def plan_stats(self) -> str:
        """JSON of the plan counters."""
    @property
    def bytes_in(self) -> int: ...
    @property
    def buffered_bytes(self) -> int: ...

class Assembler:
    """Writes encoded chunks (any order) and audio to an MP4 file, in order."""

    def __init__(self, path: str, job_settings: str, audio_info: str, container: str = "mp4") -> None:
        """The payload is spooled to ``path + ".partial"``; the file is written by :meth:`finish`."""
    def add_audio(self, frames: AudioFrames) -> None: ...
    def end_of_audio(self) -> None: ...
    def add_chunk(self, encoded: bytes) -> None:
        """Adds :func:`run_chunk`'s bytes for any chunk."""
    @property
    def waiting(self) -> int:
        """Chunks received but not yet written."""
    @property
    def next_index(self) -> int: ...
    def finish(self, expected_chunks: int) -> str:
        """Completes the file; returns the summary JSON."""
