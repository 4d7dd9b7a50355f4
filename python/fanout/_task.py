"""The Ray task body: one chunk job on whatever node Ray picks.

Kept in its own small module so Ray pickles it by reference (the workers
import ``fanout._task``) and a worker loads no more than it needs.
"""

from __future__ import annotations

import os
import time
from typing import Any

from ._fanout import run_chunk


def encode_chunk(chunk: bytes, job_settings: str) -> tuple[bytes, dict[str, Any]]:
    """Runs :func:`fanout.run_chunk`; returns its bytes and where and how long it ran."""
    import ray

    started = time.time()
    encoded = run_chunk(chunk, job_settings)
    ended = time.time()
    where = {
        "node": ray.get_runtime_context().get_node_id(),
        "pid": os.getpid(),
        "start": started,
        "end": ended,
    }
    return encoded, where
