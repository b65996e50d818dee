"""Evidence files and pack images, stored by the SHA-256 of their content.

Names from users never become paths: a file lives at ``<root>/ab/abcdef…``
under its hash, and the name the learner gave it is only kept as metadata
(cleaned for display). Every write is capped while it streams, and the content
is checked against the file's extension (a ``.pdf`` must be a PDF).

A file is written in two steps: ``stage`` reads, hashes and checks it into a
temporary place, and ``StagedBlob.store`` puts it under its hash. The
``Service`` stores a staged file, and deletes a file nothing holds any more,
only under the file's lock in a transaction (``Transaction.lock_file``), so a
deletion never removes a file another upload is attaching at that moment.
"""

from __future__ import annotations

import abc
import contextlib
import hashlib
import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol

import filetype

from ..errors import EvidenceError, Location, NotFound, Problem
from ..evidence import BlobRef, format_size

__all__ = [
    "BlobStore",
    "LocalBlobStore",
    "MemoryBlobStore",
    "StagedBlob",
    "clean_filename",
    "media_type_for",
]

_CHUNK = 1 << 16
_HEX = re.compile(r"^[0-9a-f]{64}$")

# Extensions whose content is text: checked by decoding, not by magic bytes.
TEXT_TYPES = {
    "txt": "text/plain",
    "md": "text/markdown",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "py": "text/x-python",
    "r": "text/plain",
    "sql": "text/plain",
    "json": "application/json",
    "ipynb": "application/x-ipynb+json",
    "svg": "image/svg+xml",
    "html": "text/html",
    "htm": "text/html",
}
# Extensions that are the same container under another name.
_ALIASES = {"jpeg": "jpg", "tiff": "tif", "m4a": "mp4", "m4v": "mp4", "mov": "mp4"}


def clean_filename(name: str) -> str:
    """A display name from what a browser or learner sent: no folders, no control
    characters, at most 120 characters, never empty."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 119 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else name[:120]
    return name or "file"


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def media_type_for(filename: str, head: bytes) -> str:
    """The media type of a file, checked against its extension.

    Raises:
        EvidenceError: the content is not what the extension says.
    """
    ext = _extension(filename)
    where = Location(path=filename)
    if ext in TEXT_TYPES:
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError as e:
            # a multi-byte character may be cut at the end of the sniffed head
            if e.start < len(head) - 4:
                raise EvidenceError(
                    f"file {filename!r} should be text but is not UTF-8",
                    [Problem(where, "is not UTF-8 text")],
                ) from None
            text = head[: e.start].decode("utf-8")
        if ext in ("json", "ipynb") and not text.lstrip().startswith(("{", "[")):
            raise EvidenceError(f"file {filename!r} is not JSON", [Problem(where, "is not JSON")])
        if ext == "svg" and "<svg" not in text.lower():
            raise EvidenceError(
                f"file {filename!r} is not an SVG image", [Problem(where, "is not SVG")]
            )
        return TEXT_TYPES[ext]
    kind = filetype.guess(head)
    if kind is None:
        raise EvidenceError(
            f"file {filename!r}: its content is not a recognised {ext or 'file'} file",
            [Problem(where, "content not recognised")],
        )
    found = _ALIASES.get(kind.extension, kind.extension)
    if ext and _ALIASES.get(ext, ext) != found:
        raise EvidenceError(
            f"file {filename!r} is named .{ext} but its content is a {found.upper()} file; "
            "rename it or upload the right file",
            [Problem(where, f"content is {found}, not {ext}")],
        )
    return str(kind.mime)


def _read_capped(data: bytes | BinaryIO, max_bytes: int, filename: str) -> Iterable[bytes]:
    stream = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    total = 0
    while chunk := stream.read(_CHUNK):
        total += len(chunk)
        if total > max_bytes:
            raise EvidenceError(
                f"file {filename!r} is larger than the limit of {format_size(max_bytes)}",
                [Problem(Location(path=filename), f"over {format_size(max_bytes)}")],
            )
        yield chunk


class BlobStore(Protocol):
    """Content-addressed file storage."""

    def put(self, data: bytes | BinaryIO, filename: str, *, max_bytes: int) -> BlobRef:
        """Store ``data`` (at most ``max_bytes``), check its type, return its reference."""
        ...

    def stage(self, data: bytes | BinaryIO, filename: str, *, max_bytes: int) -> StagedBlob:
        """Read ``data`` (at most ``max_bytes``), check its type, and hold it
        ready to be stored (``StagedBlob.store``) or dropped.

        Raises:
            EvidenceError: it is empty, too large, or not what its name says.
        """
        ...

    def read(self, sha256: str) -> bytes: ...

    def exists(self, sha256: str) -> bool: ...

    def delete(self, sha256: str) -> bool:
        """Remove a stored file; whether there was one."""
        ...

    def list_files(self) -> Iterator[str]:
        """The SHA-256 of every stored file."""
        ...

    def remove_stale_uploads(self, before: datetime) -> int:
        """Remove uploads left unfinished (a process killed while a file came in)
        last written before ``before``; how many."""
        ...


class _Sink(Protocol):
    def write(self, chunk: bytes) -> None: ...
    def commit(self, sha256: str) -> None: ...
    def discard(self) -> None: ...


class StagedBlob:
    """A file read, hashed and checked, not yet among the stored files.

    ``store()`` puts it in place under its hash (a reader sees the whole file or
    none); ``discard()``, or leaving the ``with`` block without storing, drops it.
    """

    def __init__(self, ref: BlobRef, sink: _Sink) -> None:
        self.ref = ref
        self._sink = sink
        self._open = True

    def store(self) -> None:
        """Put the file in place (a second call does nothing)."""
        if self._open:
            self._sink.commit(self.ref.sha256)
            self._open = False

    def discard(self) -> None:
        """Drop the file if it was not stored (a second call does nothing)."""
        if self._open:
            self._open = False
            self._sink.discard()

    def __enter__(self) -> StagedBlob:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


class _BlobStoreBase(abc.ABC):
    def put(self, data: bytes | BinaryIO, filename: str, *, max_bytes: int) -> BlobRef:
        with self.stage(data, filename, max_bytes=max_bytes) as staged:
            staged.store()
        return staged.ref

    def stage(self, data: bytes | BinaryIO, filename: str, *, max_bytes: int) -> StagedBlob:
        name = clean_filename(filename)
        digest = hashlib.sha256()
        head = b""
        size = 0
        sink = self._writer()
        try:
            for chunk in _read_capped(data, max_bytes, name):
                if len(head) < 8192:
                    head += chunk[: 8192 - len(head)]
                digest.update(chunk)
                size += len(chunk)
                sink.write(chunk)
            if size == 0:
                raise EvidenceError(
                    f"file {name!r} is empty", [Problem(Location(path=name), "empty")]
                )
            media_type = media_type_for(name, head)
        except BaseException:
            sink.discard()
            raise
        ref = BlobRef(sha256=digest.hexdigest(), size=size, media_type=media_type, filename=name)
        return StagedBlob(ref, sink)

    @abc.abstractmethod
    def _writer(self) -> _Sink:
        """A sink that keeps what is written once ``commit`` names its hash."""


class _MemorySink:
    def __init__(self, blobs: dict[str, bytes]) -> None:
        self.blobs = blobs
        self.buffer = io.BytesIO()

    def write(self, chunk: bytes) -> None:
        self.buffer.write(chunk)

    def commit(self, sha256: str) -> None:
        self.blobs.setdefault(sha256, self.buffer.getvalue())

    def discard(self) -> None:
        self.buffer = io.BytesIO()


class MemoryBlobStore(_BlobStoreBase):
    """Blobs in a dict (tests, notebooks)."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    def _writer(self) -> _Sink:
        return _MemorySink(self._blobs)

    def read(self, sha256: str) -> bytes:
        try:
            return self._blobs[sha256]
        except KeyError:
            raise NotFound(f"no stored file with SHA-256 {sha256}") from None

    def exists(self, sha256: str) -> bool:
        return sha256 in self._blobs

    def delete(self, sha256: str) -> bool:
        return self._blobs.pop(sha256, None) is not None

    def list_files(self) -> Iterator[str]:
        yield from sorted(self._blobs)

    def remove_stale_uploads(self, before: datetime) -> int:
        return 0  # nothing is half-written in memory


_UPLOAD_PREFIX = ".upload-"


class _FileSink:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = tempfile.NamedTemporaryFile(dir=root, prefix=_UPLOAD_PREFIX, delete=False)  # noqa: SIM115

    def write(self, chunk: bytes) -> None:
        self.tmp.write(chunk)

    def commit(self, sha256: str) -> None:
        self.tmp.flush()
        os.fsync(self.tmp.fileno())
        self.tmp.close()
        target = self.root / sha256[:2] / sha256
        target.parent.mkdir(exist_ok=True)
        # rename is atomic: a reader sees the whole file or none
        os.replace(self.tmp.name, target)
        os.chmod(target, 0o640)

    def discard(self) -> None:
        self.tmp.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.tmp.name)


class LocalBlobStore(_BlobStoreBase):
    """Blobs in a folder on disk, one file per content hash."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _writer(self) -> _Sink:
        return _FileSink(self.root)

    def _path(self, sha256: str) -> Path:
        if not _HEX.match(sha256):
            raise NotFound(f"{sha256!r} is not a SHA-256 file reference")
        return self.root / sha256[:2] / sha256

    def read(self, sha256: str) -> bytes:
        try:
            return self._path(sha256).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"no stored file with SHA-256 {sha256}") from None

    def exists(self, sha256: str) -> bool:
        try:
            return self._path(sha256).is_file()
        except NotFound:
            return False

    def delete(self, sha256: str) -> bool:
        try:
            self._path(sha256).unlink()
        except (NotFound, FileNotFoundError):
            return False
        return True

    def list_files(self) -> Iterator[str]:
        for folder in sorted(self.root.iterdir()):
            if len(folder.name) != 2 or not folder.is_dir():
                continue
            # one folder at a time, listed before any of it is deleted
            names = sorted(f.name for f in folder.iterdir() if _HEX.match(f.name))
            yield from (name for name in names if name.startswith(folder.name))

    def remove_stale_uploads(self, before: datetime) -> int:
        gone = 0
        for path in self.root.glob(_UPLOAD_PREFIX + "*"):
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < before.timestamp():
                    path.unlink()
                    gone += 1
        return gone
