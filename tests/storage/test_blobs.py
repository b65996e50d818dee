"""Evidence files: content addressed, capped while streaming, typed by content."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from mcembed import EvidenceError, NotFound
from mcembed.storage import LocalBlobStore, MemoryBlobStore
from mcembed.storage.blobs import clean_filename

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture(params=["memory", "local"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    return MemoryBlobStore() if request.param == "memory" else LocalBlobStore(tmp_path / "files")


def test_files_are_stored_under_their_hash(blobs) -> None:  # type: ignore[no-untyped-def]
    ref = blobs.put(PDF, "../../etc/passwd.pdf", max_bytes=1000)
    assert ref.sha256 == hashlib.sha256(PDF).hexdigest()
    assert ref.filename == "passwd.pdf"
    assert ref.media_type == "application/pdf"
    assert blobs.read(ref.sha256) == PDF
    assert blobs.exists(ref.sha256)


def test_a_stream_over_the_cap_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "files")
    with pytest.raises(EvidenceError, match="larger than the limit of 1 kB"):
        store.put(io.BytesIO(b"a" * 5000), "big.txt", max_bytes=1000)
    assert [p for p in (tmp_path / "files").rglob("*") if p.is_file()] == []


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("notes.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 30, "its content is a PNG"),
        ("notes.txt", b"\xff\xfe\x00bad", "not UTF-8"),
        ("data.json", b"hello", "is not JSON"),
        ("empty.txt", b"", "is empty"),
        ("mystery.bin", b"\x00\x01\x02\x03", "not a recognised bin file"),
    ],
)
def test_content_must_match_the_name(blobs, name: str, data: bytes, fragment: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(EvidenceError, match=fragment):
        blobs.put(data, name, max_bytes=1000)


def test_unknown_hashes_are_not_found(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    with pytest.raises(NotFound):
        store.read("../../etc/passwd")
    with pytest.raises(NotFound):
        store.read("0" * 64)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("C:\\Users\\me\\plan.docx", "plan.docx"),
        ("a\x00b\nc.txt", "abc.txt"),
        ("...", "file"),
        ("x" * 200 + ".pdf", "x" * 116 + ".pdf"),
    ],
)
def test_filenames_are_cleaned_for_display(raw: str, clean: str) -> None:
    assert clean_filename(raw) == clean


def test_a_staged_file_is_stored_only_when_told(blobs) -> None:  # type: ignore[no-untyped-def]
    """Read, hashed and checked first; in place only on ``store()``."""
    with blobs.stage(PDF, "plan.pdf", max_bytes=1000) as staged:
        assert staged.ref.sha256 == hashlib.sha256(PDF).hexdigest()
        assert not blobs.exists(staged.ref.sha256)
        staged.store()
        staged.store()  # a second time changes nothing
    assert blobs.read(staged.ref.sha256) == PDF
    with blobs.stage(b"notes", "notes.txt", max_bytes=1000) as dropped:
        pass
    assert not blobs.exists(dropped.ref.sha256)
    assert list(blobs.list_files()) == [staged.ref.sha256]


def test_a_dropped_upload_leaves_nothing_on_disk(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "files")
    store.stage(PDF, "plan.pdf", max_bytes=1000).discard()
    with pytest.raises(EvidenceError):
        store.stage(b"not a pdf", "plan.pdf", max_bytes=1000)
    assert [p for p in (tmp_path / "files").rglob("*") if p.is_file()] == []


def test_files_are_listed_and_deleted_by_hash(blobs) -> None:  # type: ignore[no-untyped-def]
    refs = sorted(blobs.put(f"file {n}".encode(), "a.txt", max_bytes=100).sha256 for n in range(3))
    assert list(blobs.list_files()) == refs
    assert blobs.delete(refs[1])
    assert not blobs.delete(refs[1])
    assert not blobs.delete("../../etc/passwd")
    assert list(blobs.list_files()) == [refs[0], refs[2]]


def test_uploads_left_unfinished_go_once_stale(tmp_path: Path) -> None:
    import os
    from datetime import UTC, datetime

    store = LocalBlobStore(tmp_path / "files")
    kept = store.put(PDF, "plan.pdf", max_bytes=1000).sha256
    old, recent = tmp_path / "files" / ".upload-old", tmp_path / "files" / ".upload-recent"
    old.write_bytes(b"half")
    recent.write_bytes(b"half")
    os.utime(old, (1_000_000_000, 1_000_000_000))
    os.utime(recent, (2_000_000_000, 2_000_000_000))
    assert store.remove_stale_uploads(datetime.fromtimestamp(1_500_000_000, UTC)) == 1
    assert not old.exists()
    assert recent.exists()
    assert list(store.list_files()) == [kept]
    assert MemoryBlobStore().remove_stale_uploads(datetime.now(UTC)) == 0
