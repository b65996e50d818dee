"""Stored files: a replaced draft file is deleted unless something else holds
it, a sweep removes what a crash left, and each learner has a storage quota."""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from factories import LEARNER, NOW, OTHER_LEARNER, REVIEWER, make_credential, scores, submitted
from mcembed import (
    Actor,
    BlobRef,
    EvidenceError,
    EvidenceItem,
    EvidenceKind,
    FixedClock,
    PermissionDenied,
    QuotaExceeded,
    SequentialIds,
    Service,
    load_pack,
)
from mcembed.files import remove_unheld
from mcembed.storage import LocalBlobStore
from mcembed.storage.blobs import StagedBlob

ROOT = Path(__file__).resolve().parents[2]
PLAN = b"Week 1: survey; week 6: observe."  # what ``submitted`` uploads
NEW_PLAN = b"Week 1: survey; week 4: interviews; week 6: observe."
THIRD_PLAN = b"Week 2: survey; week 6: observe; week 9: report."


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def attach(service: Service, actor: Actor, sid: str, data: bytes, name: str = "plan.txt") -> Any:
    return service.attach_file(actor, sid, "plan", name, data)


def started(
    service: Service, actor: Actor = LEARNER, credential_id: str = "evaluate-impact"
) -> str:
    return service.start_submission(actor, credential_id).id


def test_a_replaced_draft_file_is_deleted(service: Service) -> None:
    """Re-uploading over and over cannot fill the disk: the old file goes."""
    sid = started(service)
    attach(service, LEARNER, sid, PLAN)
    attach(service, LEARNER, sid, NEW_PLAN)
    assert not service.blobs.exists(sha(PLAN))
    assert service.read_evidence_file(LEARNER, sid, sha(NEW_PLAN)) == NEW_PLAN
    assert list(service.blobs.list_files()) == [sha(NEW_PLAN)]


def test_a_file_another_learner_holds_is_kept(service: Service) -> None:
    """The same bytes uploaded by two learners are one stored file."""
    mine, theirs = started(service), started(service, OTHER_LEARNER)
    attach(service, LEARNER, mine, PLAN)
    attach(service, OTHER_LEARNER, theirs, PLAN)
    attach(service, LEARNER, mine, NEW_PLAN)
    assert service.read_evidence_file(OTHER_LEARNER, theirs, sha(PLAN)) == PLAN


def test_a_file_an_earlier_attempt_holds_is_kept(service: Service) -> None:
    """Attempts are append-only: the file of attempt 1 stays when the revision
    replaces it; a file only a draft held goes when replaced again."""
    sub = submitted(service)
    service.record_review(REVIEWER, sub.id, scores(design="Developing", impact="Proficient"))
    attach(service, LEARNER, sub.id, NEW_PLAN)
    attach(service, LEARNER, sub.id, THIRD_PLAN)
    assert service.read_evidence_file(REVIEWER, sub.id, sha(PLAN)) == PLAN
    assert not service.blobs.exists(sha(NEW_PLAN))


def test_evidence_cannot_name_a_file_its_submission_does_not_hold(service: Service) -> None:
    """Files come by upload; naming another's by its hash is refused (and could
    otherwise hold on to a file being deleted)."""
    theirs = started(service, OTHER_LEARNER)
    blob = attach(service, OTHER_LEARNER, theirs, PLAN).items[0].blob
    mine = started(service)
    forged = EvidenceItem(requirement_id="plan", kind=EvidenceKind.ARTIFACT, blob=blob)
    with pytest.raises(EvidenceError, match="names a file this submission does not hold"):
        service.save_draft(LEARNER, mine, [forged])
    held = attach(service, LEARNER, mine, NEW_PLAN).items[0].blob
    renamed = EvidenceItem(
        requirement_id="plan",
        kind=EvidenceKind.ARTIFACT,
        blob=BlobRef(sha256=held.sha256, size=1, media_type="x/y", filename="evil.txt"),
    )
    saved = service.save_draft(LEARNER, mine, [renamed])
    assert saved.items[0].blob == held  # its name and type as stored


@pytest.fixture
def disk_service(store: Any, clock: FixedClock, tmp_path: Path) -> Service:
    """A Service whose files are on disk, with the example pack (images, check
    modules) and a credential whose artifact takes SVG files."""
    svc = Service(store, LocalBlobStore(tmp_path / "files"), clock=clock, ids=SequentialIds())
    svc.add_pack(Actor.system(), load_pack(ROOT / "examples" / "professional-learning"))
    credential = make_credential("draw-it")
    evidence = tuple(
        replace(r, file_types=("svg",)) if r.id == "plan" else r for r in credential.evidence
    )
    with store.transaction() as tx:
        tx.add_credential(replace(credential, evidence=evidence))
        tx.add_credential(make_credential())
    return svc


def test_a_pack_file_is_kept_when_a_learner_drops_the_same_bytes(disk_service: Service) -> None:
    """A learner uploads the issuer's image, then replaces it: the image stays."""
    image = (ROOT / "examples/professional-learning/images/riverbend-issuer.svg").read_bytes()
    sid = started(disk_service, credential_id="draw-it")
    attach(disk_service, LEARNER, sid, image, "plan.svg")
    attach(disk_service, LEARNER, sid, b"<svg xmlns='http://www.w3.org/2000/svg'/>", "plan.svg")
    assert disk_service.blobs.exists(sha(image))


def test_a_sweep_removes_what_nothing_holds_and_keeps_everything_held(
    disk_service: Service, tmp_path: Path
) -> None:
    """What a crash left (a file stored by a change that failed, an upload cut
    off halfway a day ago) goes; evidence, attempts and pack files stay."""
    blobs = disk_service.blobs
    pack_files = set(blobs.list_files())
    assert pack_files  # images and check modules
    sub = submitted(disk_service)
    orphan = blobs.put(NEW_PLAN, "plan.txt", max_bytes=1000).sha256
    old_upload = tmp_path / "files" / ".upload-killed"
    old_upload.write_bytes(b"half")
    recent_upload = tmp_path / "files" / ".upload-receiving"
    recent_upload.write_bytes(b"half")
    day_ago = (NOW.timestamp() - 25 * 3600,) * 2
    os.utime(old_upload, day_ago)
    os.utime(recent_upload, (NOW.timestamp(),) * 2)
    with pytest.raises(PermissionDenied):
        disk_service.sweep_files(LEARNER)
    done = disk_service.sweep_files(Actor.system())
    assert done.removed == (orphan,)
    assert done.stale_uploads == 1
    assert done.checked == len(pack_files) + 2
    assert set(blobs.list_files()) == pack_files | {sha(PLAN)}
    assert not old_upload.exists()
    assert recent_upload.exists()
    assert disk_service.read_evidence_file(LEARNER, sub.id, sha(PLAN)) == PLAN
    assert disk_service.sweep_files(Actor.system()).removed == ()


# --- the storage quota -------------------------------------------------------------------


def two_credentials(service: Service) -> None:
    with service.store.transaction() as tx:
        tx.add_credential(make_credential("second"))


@pytest.mark.parametrize(
    ("quota", "before", "upload", "refused"),
    [
        # another credential's file counts: 60 + 50 > 100
        (100, [("evaluate-impact", b"x" * 60)], ("second", b"y" * 50), True),
        # the same bytes again count once
        (100, [("evaluate-impact", b"x" * 60)], ("second", b"x" * 60), False),
        # a replacement counts instead of the file it replaces
        (100, [("evaluate-impact", b"x" * 60)], ("evaluate-impact", b"y" * 95), False),
        # a lowered quota: a smaller replacement is still allowed...
        (50, [("evaluate-impact", b"x" * 60)], ("evaluate-impact", b"y" * 55), False),
        # ...but no new bytes
        (50, [("evaluate-impact", b"x" * 60)], ("second", b"y" * 5), True),
        # 0: no quota
        (0, [("evaluate-impact", b"x" * 6000)], ("second", b"y" * 9000), False),
    ],
    ids=["over", "same-bytes", "replacement", "smaller-when-over", "more-when-over", "none"],
)
def test_the_quota_counts_distinct_bytes_a_learners_submissions_hold(
    service: Service,
    quota: int,
    before: list[tuple[str, bytes]],
    upload: tuple[str, bytes],
    refused: bool,
) -> None:
    two_credentials(service)
    for credential_id, data in before:
        attach(service, LEARNER, started(service, credential_id=credential_id), data)
    service.learner_quota_bytes = quota  # set (or lowered) after those
    sid = started(service, credential_id=upload[0])
    if not refused:
        attach(service, LEARNER, sid, upload[1])
        return
    draft = service.get_submission(LEARNER, sid).submission
    with pytest.raises(QuotaExceeded) as err:
        attach(service, LEARNER, sid, upload[1])
    # nothing half-written: no new file, the submission as it was
    assert not service.blobs.exists(sha(upload[1]))
    assert service.get_submission(LEARNER, sid).submission == draft
    assert (err.value.quota, err.value.used, err.value.size) == (quota, 60, len(upload[1]))


@pytest.mark.parametrize(
    "fragment",
    [
        "'plan.txt' (50 bytes) was not saved",
        "your storage quota of 100 bytes",
        "they take 60 bytes already",
        "Replace a draft's file with a smaller one, or ask the tool's administrator",
    ],
)
def test_over_the_quota_the_message_says_the_quota_the_usage_and_what_to_do(
    service: Service, fragment: str
) -> None:
    two_credentials(service)
    service.learner_quota_bytes = 100
    attach(service, LEARNER, started(service), b"x" * 60)
    with pytest.raises(QuotaExceeded) as err:
        attach(service, LEARNER, started(service, credential_id="second"), b"y" * 50)
    assert fragment in str(err.value)
    [problem] = err.value.problems
    assert problem.location.path == "evidence.plan"


def test_earlier_attempts_count_against_the_quota_and_a_refusal_keeps_the_old_file(
    service: Service,
) -> None:
    sub = submitted(service)  # PLAN: 32 bytes in attempt 1
    service.record_review(REVIEWER, sub.id, scores(design="Developing", impact="Proficient"))
    service.learner_quota_bytes = 100
    attach(service, LEARNER, sub.id, b"y" * 60)
    with pytest.raises(QuotaExceeded):
        attach(service, LEARNER, sub.id, b"z" * 70)  # 32 + 70
    assert service.blobs.exists(sha(b"y" * 60))  # the draft's file was not replaced
    assert service.get_submission(LEARNER, sub.id).submission.item("plan").blob.size == 60


# --- races -------------------------------------------------------------------------------


class PausingBlobs(LocalBlobStore):
    """Files on disk; a staged file, once stored, waits for ``go`` before its
    transaction may commit."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.stored = threading.Event()
        self.go = threading.Event()

    def stage(self, data: Any, filename: str, *, max_bytes: int) -> StagedBlob:
        staged = super().stage(data, filename, max_bytes=max_bytes)
        store = staged.store

        def store_and_wait() -> None:
            store()
            self.stored.set()
            assert self.go.wait(60)

        staged.store = store_and_wait  # type: ignore[method-assign]
        return staged


def test_a_sweep_never_deletes_a_file_an_upload_is_attaching(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock
) -> None:
    """Learner B uploads bytes that a sweep finds held by nobody (learner A
    just replaced them): the file is stored before B's transaction commits, and
    the sweep, which takes the file's lock, waits for it and keeps the file.
    (On SQLite and in memory whole transactions are serialised.)"""
    from sqlalchemy import text

    from stores import postgres_store

    store = postgres_store(request.getfixturevalue("postgres_schema"))
    blobs = PausingBlobs(tmp_path / "files")
    service = Service(store, blobs, clock=clock, ids=SequentialIds())
    with store.transaction() as tx:
        tx.add_credential(make_credential())
    sid = started(service, OTHER_LEARNER)
    sweep_done = threading.Event()
    errors: list[BaseException] = []

    def run(target: Any) -> threading.Thread:
        def wrapped() -> None:
            try:
                target()
            except BaseException as e:  # reported by the test below
                errors.append(e)

        thread = threading.Thread(target=wrapped)
        thread.start()
        return thread

    upload = run(lambda: attach(service, OTHER_LEARNER, sid, PLAN))
    assert blobs.stored.wait(60)
    assert blobs.exists(sha(PLAN))  # in place, its holder not committed yet

    def sweep() -> None:
        remove_unheld(store, blobs, [sha(PLAN)])
        sweep_done.set()

    sweeper = run(sweep)
    # wait until the sweep waits for the file's lock (or, were it not taken, is done)
    with store.engine.connect() as conn:
        waiting = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        for _ in range(6000):
            if sweep_done.is_set() or conn.execute(waiting).scalar():
                break
            threading.Event().wait(0.01)
    blobs.go.set()
    upload.join(60)
    sweeper.join(60)
    assert errors == []
    assert blobs.read(sha(PLAN)) == PLAN
    assert service.read_evidence_file(OTHER_LEARNER, sid, sha(PLAN)) == PLAN
    store.close()


# --- the setting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("lots", "MCEMBED_LEARNER_QUOTA_BYTES must be a whole number of bytes, 0 for no quota"),
        ("1.5e9", "(got '1.5e9')"),
        ("-1", "MCEMBED_LEARNER_QUOTA_BYTES must be 0 (no quota) or more (got -1)"),
    ],
)
def test_a_bad_quota_setting_names_the_variable(value: str, fragment: str) -> None:
    from mcembed import ConfigError, Settings

    with pytest.raises(ConfigError) as err:
        Settings.from_env({"MCEMBED_LEARNER_QUOTA_BYTES": value})
    assert fragment in str(err.value)


def test_the_quota_setting_reaches_the_service(tmp_path: Path) -> None:
    from mcembed import Settings, open_service

    assert Settings.from_env({}).learner_quota_bytes == 250_000_000
    settings = Settings.from_env({"MCEMBED_LEARNER_QUOTA_BYTES": "0"}, instance=tmp_path)
    service = open_service(settings)
    assert service.learner_quota_bytes == 0
    service.store.close()
