"""Bulk award: issue one credential to a whole cohort from a CSV file.

The CSV has a header row with ``id`` (or ``learner_id``), and optionally
``name``, ``email`` and ``course_id``. A file with an ``email`` column and no
id column (as other badge platforms export them) names learners by e-mail:
each learner's id is then their e-mail address, trimmed and in lower case
(``Lee@Example.org`` is learner ``lee@example.org``), so the same file run
again finds the same learners. Learners are awarded in batches, one
transaction each (``Service.award_learners``), so an interrupted run keeps
whole batches only; running again skips everyone already awarded (keyed on
credential and learner) and writes the files still missing. Every file is
written to a temporary name and renamed into place: none is ever half-written.

For each award ``out/<credential>/<learner>.png`` and ``.svg`` (the badge
image with the credential baked in: the VC-JWT when there is one, else the
JSON), ``.jwt`` (the VC-JWT, when the issuer signs them) and ``.json`` (when
the credential carries a Data Integrity proof) are written, and ``awards.csv``
lists each learner's award id (for ``mcembed revoke``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import multiprocessing
import os
import re
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import orjson

from ..access import Actor
from ..awards import Award
from ..credentials import Credential
from ..errors import Location, Problem, ValidationError
from ..parent_death import die_with_parent
from ..people import Person
from ..service import Service
from .baking import baker
from .downloads import badge_images

__all__ = ["BulkResult", "CohortRow", "award_cohort", "read_cohort_csv"]

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
_PROCESS_THRESHOLD = 1000


@dataclass(frozen=True, slots=True)
class CohortRow:
    person: Person
    course_id: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkResult:
    issued: int
    already_held: int
    files_written: int


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _excerpt(value: str, limit: int = 40) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "…")


def read_cohort_csv(path: Path) -> list[CohortRow]:
    """The learners of a cohort CSV.

    Learners are named by the ``id`` (or ``learner_id``) column or, in a file
    with neither, by the ``email`` column: their id is then the address,
    trimmed and in lower case.

    Raises:
        ValidationError: the header names no id or email column, or rows
            have no learner id or an address that is not one; every problem
            names the file, line and column.
    """
    problems: list[Problem] = []
    rows: list[CohortRow] = []
    seen: set[tuple[str, str]] = set()
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        fields = [h.strip().lower() for h in reader.fieldnames or []]
        id_field = next((h for h in ("id", "learner_id", "email") if h in fields), None)
        if id_field is None:
            raise ValidationError(
                problems=[
                    Problem(
                        Location(file=str(path), line=1),
                        f"the header needs an 'id' (or 'learner_id') column, or an 'email' "
                        f"column to name learners by e-mail (got {fields})",
                    )
                ]
            )
        for n, raw in enumerate(reader, start=2):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
            email = row.get("email", "")
            if email and not _EMAIL.fullmatch(email):
                problems.append(
                    Problem(
                        Location(file=str(path), line=n, path="email"),
                        f"{_excerpt(email)} is not an e-mail address (name@example.org)",
                    )
                )
                continue
            if id_field == "email":
                email = email.lower()
                learner_id = email
                missing = (
                    "no e-mail address (this file names learners by e-mail: it has no 'id' column)"
                )
            else:
                learner_id = row.get(id_field, "")
                missing = "no learner id"
            if not learner_id:
                problems.append(Problem(Location(file=str(path), line=n, path=id_field), missing))
                continue
            course = row.get("course_id", "")
            if (learner_id, course) in seen:
                continue
            seen.add((learner_id, course))
            rows.append(
                CohortRow(Person(id=learner_id, name=row.get("name", ""), email=email), course)
            )
    if problems:
        raise ValidationError(problems=problems)
    return rows


def _write_atomic(path: Path, data: bytes) -> None:
    temp = path.with_name(f".{path.name}.part")
    with open(temp, "wb") as f:
        f.write(data)
    os.replace(temp, path)


def _file_stem(learner_id: str) -> str:
    safe = _SAFE.sub("-", learner_id).strip("-.")[:60] or "learner"
    # a short hash keeps two ids that clean to the same text apart
    return f"{safe}-{hashlib.sha256(learner_id.encode()).hexdigest()[:8]}"


def _images(service: Service, credential: Credential) -> tuple[bytes, bytes]:
    """The (PNG, SVG) images to bake: the credential's own where it has one,
    generated badge art otherwise."""
    return badge_images(credential, service.blobs)


# (the learner's file stem as a path, the VC-JWT, the credential JSON, overwrite)
_Job = tuple[str, str | None, bytes | None, bool]


class _FileWriter:
    """Bakes and writes the files of one credential's awards."""

    def __init__(self, png: bytes, svg: bytes) -> None:
        self.png = baker(png)
        self.svg = baker(svg)

    def write(self, jobs: Sequence[_Job]) -> int:
        count = 0
        for stem, token, credential, overwrite in jobs:
            baked = token if token is not None else (credential or b"{}").decode()
            files: list[tuple[str, Callable[[str], bytes] | bytes, str]] = [
                (".png", self.png, baked),
                (".svg", self.svg, baked),
            ]
            if token is not None:
                files.append((".jwt", token.encode(), ""))
            if credential is not None:
                files.append((".json", credential, ""))
            for suffix, content, text in files:
                path = Path(stem + suffix)
                if overwrite or not path.exists():
                    _write_atomic(path, content if isinstance(content, bytes) else content(text))
                    count += 1
        return count


_WORKER: _FileWriter | None = None


def _start_worker(png: bytes, svg: bytes, parent_pid: int) -> None:
    global _WORKER
    # a parent killed outright (kill -9) cannot stop its worker: it goes too
    die_with_parent(parent_pid)
    # Ctrl-C goes to the whole process group: the worker finishes the batch
    # it holds (every file whole) and the parent stops after it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER = _FileWriter(png, svg)


def _worker_write(jobs: list[_Job]) -> int:
    assert _WORKER is not None
    return _WORKER.write(jobs)


def _jobs(folder: Path, award: Award, *, overwrite: bool) -> _Job | None:
    """What to write for one award: the baked images, ``.jwt`` when it is
    signed as a VC-JWT, and ``.json`` when the credential carries a Data
    Integrity proof."""
    documents = award.documents
    if not documents:
        return None
    credential = documents.get("credential")
    token = documents.get("jwt")
    as_json = (
        orjson.dumps(credential, option=orjson.OPT_INDENT_2)
        if isinstance(credential, dict) and "proof" in credential
        else None
    )
    if not isinstance(token, str):
        token = None
        if as_json is None:
            as_json = orjson.dumps(credential)
    return (str(folder / _file_stem(award.learner_id)), token, as_json, overwrite)


def _batches(rows: Sequence[CohortRow], size: int) -> Iterator[list[CohortRow]]:
    for start in range(0, len(rows), size):
        yield list(rows[start : start + size])


def award_cohort(
    service: Service,
    actor: Actor,
    credential_id: str,
    rows: Sequence[CohortRow],
    out_dir: Path,
    *,
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
) -> BulkResult:
    """Award ``credential_id`` to every learner in ``rows`` and write their files.

    Args:
        progress: called with the number of learners done after each batch.

    Raises:
        NotFound: no such credential.
        PermissionDenied: ``actor`` is not an administrator.
    """
    credential = service.get_credential(credential_id)
    folder = out_dir / _SAFE.sub("-", credential.id)
    folder.mkdir(parents=True, exist_ok=True)
    png, svg = _images(service, credential)
    issued = held = written = 0
    index: dict[str, tuple[str, str]] = {}
    by_course: dict[str, list[CohortRow]] = {}
    for row in rows:
        by_course.setdefault(row.course_id, []).append(row)
    # A large cohort's files are baked and written by a second process while
    # this one signs and stores the next batch (creating files is half the
    # work); a small one writes them here.
    pool: ProcessPoolExecutor | None = None
    local = _FileWriter(png, svg)
    if len(rows) >= _PROCESS_THRESHOLD and "fork" in multiprocessing.get_all_start_methods():
        # fork: the worker needs no importable __main__ (a developer's script
        # without a main guard works), and it never touches the database
        pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker,
            initargs=(png, svg, os.getpid()),
        )
    pending: list[Future[int]] = []
    try:
        for course_id, course_rows in by_course.items():
            for batch in _batches(course_rows, batch_size):
                results = service.award_learners(
                    actor, credential.id, [r.person for r in batch], course_id=course_id
                )
                jobs: list[_Job] = []
                for award, created in results:
                    issued += created
                    held += not created
                    job = _jobs(folder, award, overwrite=created)
                    if job is not None:
                        jobs.append(job)
                    index[award.learner_id] = (award.id, _file_stem(award.learner_id))
                if pool is None:
                    written += local.write(jobs)
                else:
                    pending.append(pool.submit(_worker_write, jobs))
                    while len(pending) > 2:
                        written += pending.pop(0).result()
                if progress is not None:
                    progress(len(batch))
        for done in pending:
            written += done.result()
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=False)
    _write_index(folder / "awards.csv", index)
    return BulkResult(issued=issued, already_held=held, files_written=written)


def _write_index(path: Path, index: dict[str, tuple[str, str]]) -> None:
    """``awards.csv``: learner, award id (for ``mcembed revoke``) and file name, merged
    with the index of earlier runs into the same folder."""
    if path.exists():
        with path.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                index.setdefault(row["learner_id"], (row["award_id"], row["file"]))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["learner_id", "award_id", "file"])
    for learner_id in sorted(index):
        writer.writerow([learner_id, *index[learner_id]])
    _write_atomic(path, buffer.getvalue().encode())
