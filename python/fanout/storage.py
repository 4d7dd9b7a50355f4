"""Where the input comes from and the output goes: local paths or ``s3://`` URLs.

S3 goes through boto3 with its usual configuration (credentials, region
and ``AWS_ENDPOINT_URL`` for an S3-compatible store such as MinIO or a
local moto server). The input is read in pieces as it streams; the output
is written to a local spool by the core and uploaded when it is complete,
so a failed run leaves no object behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from typing import BinaryIO, Iterator, Optional, Tuple


def split_s3(url: str) -> Tuple[str, str]:
    """``s3://bucket/key`` -> ``(bucket, key)``."""
    rest = url[len("s3://") :]
    bucket, _, key = rest.partition("/")
    if not bucket or not key:
        raise ValueError(f"{url}: an S3 URL must be s3://BUCKET/KEY")
    return bucket, key


def is_s3(url: str) -> bool:
    return url.startswith("s3://")


def _client():
    import boto3

    return boto3.client("s3")


def open_input(url: str) -> Tuple[BinaryIO, Optional[int]]:
    """A readable stream of the input and its size in bytes (if known)."""
    if is_s3(url):
        bucket, key = split_s3(url)
        obj = _client().get_object(Bucket=bucket, Key=key)
        return obj["Body"], obj.get("ContentLength")
    f = open(url, "rb")
    return f, os.fstat(f.fileno()).st_size


@contextlib.contextmanager
def output_path(url: str) -> Iterator[str]:
    """A local path for the core to write the MP4 to.

    For a local output it is the path itself. For ``s3://`` it is a file in
    a temporary folder, uploaded once the body of the ``with`` succeeds.
    """
    if not is_s3(url):
        yield url
        return
    bucket, key = split_s3(url)
    folder = tempfile.mkdtemp(prefix="fanout-out-")
    try:
        local = os.path.join(folder, os.path.basename(key) or "output.mp4")
        yield local
        _client().upload_file(local, bucket, key)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
