"""Published bytes (API bodies, PDFs) made once per data version and kept: in memory, or on disk.

Keys always include the database and its data version (store.data_version), which never repeats,
so a change to the data, or a restored backup, is never answered from an older timeline.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from threading import Lock


class Published:
    """Bytes with an ETag; the gzip form is made once, on first demand."""

    def __init__(self, body: bytes):
        self.body = body
        self.etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        self._gzip: bytes | None = None

    @property
    def gzipped(self) -> bytes:
        if self._gzip is None:
            self._gzip = gzip.compress(self.body, compresslevel=5)
        return self._gzip


def key_etag(key: tuple) -> str:
    """An ETag for a body that is never held whole (streamed): made from its key, which names the
    database, its data version (never repeated) and the parameters, so equal keys mean equal bodies."""
    return '"' + hashlib.sha1(repr(key).encode()).hexdigest()[:20] + '"'


def gzip_stream(chunks: Iterable[bytes], level: int = 5) -> Iterator[bytes]:
    """The gzip form of a body given in chunks, compressed as they come (one gzip member)."""
    z = zlib.compressobj(level, zlib.DEFLATED, 31)  # wbits 31: a gzip header and trailer
    for chunk in chunks:
        out = z.compress(chunk)
        if out:
            yield out
    yield z.flush()


class MemoryCache:
    """A small thread-safe LRU of Published bodies."""

    def __init__(self, size: int = 64):
        self.size, self.data, self.lock = size, OrderedDict(), Lock()

    def get_or_build(self, key: tuple, build: Callable[[], bytes]) -> Published:
        """The cached body for key, or build(), cache and return it."""
        with self.lock:
            entry = self.data.get(key)
            if entry is not None:
                self.data.move_to_end(key)
                return entry
        entry = Published(build())
        with self.lock:
            self.data[key] = entry
            while len(self.data) > self.size:
                self.data.popitem(last=False)
        return entry


def file_cached(folder: Path, name: str, build: Callable[[], bytes], *, keep: int = 4, group: str = "") -> bytes:
    """The file folder/name, or build() written atomically (temporary name, then renamed, so a crash
    never leaves half a file); the `keep` newest files of the same group prefix are kept."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if path.exists():
        return path.read_bytes()
    body = build()
    partial = path.with_suffix(f".{os.getpid()}.partial")
    partial.write_bytes(body)
    os.replace(partial, path)
    if group:
        for old in sorted(folder.glob(f"{group}*"), key=lambda p: p.stat().st_mtime)[:-keep]:
            old.unlink(missing_ok=True)
    return body


def folder_for(instance_path: str, kind: str, database: str) -> Path:
    """A cache folder of one kind for one database file."""
    tag = hashlib.sha1(str(database).encode()).hexdigest()[:12]
    return Path(instance_path) / kind / tag
