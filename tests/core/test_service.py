"""The learner's path through the Service, on every store."""

from __future__ import annotations

from dataclasses import replace

import pytest

from factories import (
    ADMIN,
    FOREIGN_REVIEWER,
    LEARNER,
    OTHER_LEARNER,
    REVIEWER,
    make_credential,
    reflection,
    scores,
    submitted,
)
from mcembed import (
    Action,
    AlreadyDecided,
    AwardStatus,
    EvidenceError,
    EvidenceItem,
    EvidenceKind,
    FixedClock,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    Service,
    SubmissionState,
    ValidationError,
    ValidityPeriod,
)
from mcembed.stacks import Stack


def test_start_is_idempotent_and_keeps_the_version(service: Service) -> None:
    first = service.start_submission(LEARNER, "evaluate-impact")
    again = service.start_submission(LEARNER, "evaluate-impact")
    assert again.id == first.id
    assert first.state is SubmissionState.DRAFT
    assert first.credential_version == "1"


def test_unknown_credential_suggests_a_near_id(service: Service) -> None:
    with pytest.raises(NotFound, match="did you mean 'evaluate-impact'"):
        service.start_submission(LEARNER, "evaluate-impcat")


def test_submit_lists_everything_missing(service: Service) -> None:
    sub = service.start_submission(LEARNER, "evaluate-impact")
    with pytest.raises(EvidenceError) as err:
        service.submit(LEARNER, sub.id)
    assert "evidence.reflection: Reflection: missing" in str(err.value)
    assert "evidence.plan: Evaluation plan: missing" in str(err.value)
    assert service.get_submission(LEARNER, sub.id).submission.state is SubmissionState.DRAFT


def test_not_yet_then_revise_then_award_keeps_every_attempt(service: Service) -> None:
    sub = submitted(service)
    outcome = service.record_review(
        REVIEWER,
        sub.id,
        scores(design="Developing", impact="Proficient"),
        feedback="Tie it to students.",
    )
    assert outcome.submission.state is SubmissionState.NEEDS_REVISION
    assert outcome.award is None
    assert outcome.review.decision.unmet[0].criterion_id == "design"

    service.save_draft(
        LEARNER,
        sub.id,
        [reflection("Now I link each session to a measured student outcome and say how.")],
    )
    resub = service.submit(LEARNER, sub.id)
    assert resub.state is SubmissionState.RESUBMITTED

    outcome = service.record_review(
        REVIEWER, sub.id, scores(design="Proficient", impact="Exemplary")
    )
    assert outcome.submission.state is SubmissionState.AWARDED
    assert outcome.award is not None
    assert outcome.award.total == 7

    detail = service.get_submission(LEARNER, sub.id)
    assert [a.number for a in detail.submission.attempts] == [1, 2]
    assert detail.submission.attempts[0].items[0].text.startswith("I changed")
    assert detail.submission.attempts[1].items[0].text.startswith("Now I link")
    assert [r.attempt for r in detail.reviews] == [1, 2]
    assert detail.reviews[0].score("design").feedback == "about design"  # type: ignore[union-attr]
    assert [h.action for h in detail.submission.history] == [
        Action.SAVE_DRAFT,
        Action.SAVE_DRAFT,
        Action.SUBMIT,
        Action.START_REVIEW,
        Action.REQUEST_REVISION,
        Action.SAVE_DRAFT,
        Action.RESUBMIT,
        Action.START_REVIEW,
        Action.AWARD,
    ]
    assert detail.award == outcome.award


def test_a_second_decision_on_a_stale_revision_is_refused(service: Service) -> None:
    sub = submitted(service)
    service.record_review(
        REVIEWER,
        sub.id,
        scores(design="Proficient", impact="Proficient"),
        expected_revision=sub.revision,
    )
    with pytest.raises((AlreadyDecided, InvalidTransition)):
        service.record_review(
            REVIEWER,
            sub.id,
            scores(design="Beginning", impact="Beginning"),
            expected_revision=sub.revision,
        )
    assert len(service.get_submission(REVIEWER, sub.id).reviews) == 1


def test_a_failed_review_writes_nothing(service: Service) -> None:
    sub = submitted(service)
    with pytest.raises(ValidationError):
        service.record_review(REVIEWER, sub.id, scores(design="Proficient"))
    detail = service.get_submission(REVIEWER, sub.id)
    assert detail.submission.state is SubmissionState.SUBMITTED
    assert detail.reviews == ()
    assert detail.submission.revision == sub.revision


def test_learners_never_see_or_change_each_other(service: Service) -> None:
    sub = submitted(service)
    with pytest.raises(PermissionDenied):
        service.get_submission(OTHER_LEARNER, sub.id)
    with pytest.raises(PermissionDenied):
        service.save_draft(OTHER_LEARNER, sub.id, [reflection()])
    with pytest.raises(PermissionDenied):
        service.record_review(OTHER_LEARNER, sub.id, scores(design="Exemplary", impact="Exemplary"))
    assert service.list_submissions(OTHER_LEARNER).total == 0
    with pytest.raises(PermissionDenied):
        service.list_submissions(OTHER_LEARNER, learner_id=LEARNER.id)


def test_one_course_never_sees_another(service: Service) -> None:
    sub = submitted(service)
    with pytest.raises(PermissionDenied):
        service.get_submission(FOREIGN_REVIEWER, sub.id)
    with pytest.raises(PermissionDenied):
        service.record_review(
            FOREIGN_REVIEWER, sub.id, scores(design="Exemplary", impact="Exemplary")
        )
    assert service.list_submissions(FOREIGN_REVIEWER).total == 0
    assert service.list_submissions(REVIEWER).total == 1
    assert service.list_submissions(ADMIN).total == 1


def test_review_queue_filters_and_pages(service: Service) -> None:
    submitted(service, LEARNER)
    submitted(service, OTHER_LEARNER)
    page = service.list_submissions(REVIEWER, states=[SubmissionState.SUBMITTED], limit=1)
    assert page.total == 2
    assert len(page.items) == 1
    second = service.list_submissions(
        REVIEWER, states=[SubmissionState.SUBMITTED], limit=1, offset=1
    )
    assert {page.items[0].learner_id, second.items[0].learner_id} == {LEARNER.id, OTHER_LEARNER.id}
    assert service.list_submissions(REVIEWER, learner_id=OTHER_LEARNER.id).total == 1


def test_withdraw_then_start_again(service: Service) -> None:
    sub = service.start_submission(LEARNER, "evaluate-impact")
    service.withdraw(LEARNER, sub.id, reason="changed school")
    fresh = service.start_submission(LEARNER, "evaluate-impact")
    assert fresh.id != sub.id
    with pytest.raises(InvalidTransition, match="'withdrawn' is final"):
        service.submit(LEARNER, sub.id)


def test_invalid_evidence_is_refused_even_in_a_draft(service: Service) -> None:
    sub = service.start_submission(LEARNER, "evaluate-impact")
    with pytest.raises(EvidenceError, match="at most 50"):
        service.save_draft(LEARNER, sub.id, [reflection("word " * 51)])
    with pytest.raises(EvidenceError, match="not an allowed type"):
        service.attach_file(LEARNER, sub.id, "plan", "plan.exe", b"MZ...")
    with pytest.raises(EvidenceError, match="larger than the limit of 10 kB"):
        service.attach_file(LEARNER, sub.id, "plan", "plan.txt", b"x" * 10_001)
    with pytest.raises(EvidenceError, match="its content is a PNG"):
        service.attach_file(LEARNER, sub.id, "plan", "plan.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    assert service.get_submission(LEARNER, sub.id).submission.items == ()


def test_evidence_cannot_change_while_in_review(service: Service) -> None:
    sub = submitted(service)
    service.start_review(REVIEWER, sub.id)
    with pytest.raises(
        InvalidTransition,
        match="from 'in_review' the allowed actions are release, award, request_revision",
    ):
        service.save_draft(LEARNER, sub.id, [reflection()])


def test_self_assessment_is_kept_apart_from_reviews(service: Service) -> None:
    sub = service.start_submission(LEARNER, "evaluate-impact")
    sa = service.self_assess(
        LEARNER, sub.id, scores(design="Exemplary", impact="Exemplary"), note="I think so"
    )
    assert sa.decision.passed
    detail = service.get_submission(LEARNER, sub.id)
    assert detail.self_assessments == (sa,)
    assert detail.reviews == ()
    assert detail.submission.state is SubmissionState.DRAFT


def test_awards_expire_and_can_be_revoked(service: Service, clock: FixedClock) -> None:
    with service.store.transaction() as tx:
        tx.add_credential(replace(make_credential(), version="2", validity=ValidityPeriod(years=1)))
    sub = submitted(service)
    award = service.record_review(
        REVIEWER, sub.id, scores(design="Proficient", impact="Proficient")
    ).award
    assert award is not None
    assert award.credential_version == "2"
    assert award.expires_at == award.issued_at.replace(year=award.issued_at.year + 1)
    assert award.status_at(clock.now()) is AwardStatus.ACTIVE
    assert award.status_at(award.expires_at) is AwardStatus.EXPIRED
    with pytest.raises(ValidationError, match="needs a reason"):
        service.revoke(ADMIN, award.id, reason=" ")
    with pytest.raises(PermissionDenied):
        service.revoke(LEARNER, award.id, reason="mine")
    revoked = service.revoke(REVIEWER, award.id, reason="Evidence was not the learner's own work.")
    assert revoked.status is AwardStatus.REVOKED
    assert (
        service.get_award(LEARNER, award.id).revocation_reason
        == "Evidence was not the learner's own work."
    )
    history = service.get_submission(LEARNER, sub.id).submission.history
    assert history[-1].action is Action.REVOKE


def test_a_versioned_credential_keeps_learners_on_their_version(service: Service) -> None:
    sub = service.start_submission(LEARNER, "evaluate-impact")
    with service.store.transaction() as tx:
        tx.add_credential(replace(make_credential(), version="2", name="Evaluate impact (revised)"))
    assert service.get_credential("evaluate-impact").version == "2"
    detail = service.get_submission(LEARNER, sub.id)
    assert detail.credential.version == "1"
    assert service.start_submission(OTHER_LEARNER, "evaluate-impact").credential_version == "2"


def test_completing_a_stack_awards_it(service: Service) -> None:
    with service.store.transaction() as tx:
        tx.add_credential(make_credential("apply-standards", name="Apply standards"))
        tx.add_stack(
            Stack(
                id="pl-stack",
                version="1",
                name="PL",
                summary="s",
                members=("evaluate-impact", "apply-standards"),
            )
        )
    first = submitted(service)
    assert (
        service.record_review(
            REVIEWER, first.id, scores(design="Proficient", impact="Proficient")
        ).stack_awards
        == ()
    )
    sub = service.start_submission(LEARNER, "apply-standards")
    service.save_draft(LEARNER, sub.id, [reflection()])
    service.attach_file(LEARNER, sub.id, "plan", "p.txt", b"plan")
    service.submit(LEARNER, sub.id)
    outcome = service.record_review(
        REVIEWER, sub.id, scores(design="Exemplary", impact="Proficient")
    )
    assert [a.credential_id for a in outcome.stack_awards] == ["pl-stack"]
    assert sorted(a.credential_id for a in service.list_awards(LEARNER)) == [
        "apply-standards",
        "evaluate-impact",
        "pl-stack",
    ]


def test_recognizer_documents_travel_with_the_award(service: Service) -> None:
    class Signer:
        def recognize(self, award, definition, learner):  # type: ignore[no-untyped-def]
            return {"vc+jwt": f"signed:{award.id}:{definition.id}:{learner.name}"}

    service.recognizer = Signer()
    sub = submitted(service)
    award = service.record_review(
        REVIEWER, sub.id, scores(design="Proficient", impact="Proficient")
    ).award
    assert award is not None
    assert service.get_award(LEARNER, award.id).documents == {
        "vc+jwt": f"signed:{award.id}:evaluate-impact:Lee Learner"
    }


def test_a_recognizer_failure_awards_nothing(service: Service) -> None:
    from mcembed import SigningError

    class Broken:
        def recognize(self, award, definition, learner):  # type: ignore[no-untyped-def]
            raise SigningError("no key")

    service.recognizer = Broken()
    sub = submitted(service)
    with pytest.raises(SigningError):
        service.record_review(REVIEWER, sub.id, scores(design="Proficient", impact="Proficient"))
    detail = service.get_submission(REVIEWER, sub.id)
    assert detail.submission.state is SubmissionState.SUBMITTED
    assert detail.reviews == ()
    assert detail.award is None


def test_listeners_see_events_inside_the_transaction(service: Service) -> None:
    seen: list[str] = []
    service.listeners.append(lambda event, tx: seen.append(event.name))
    sub = submitted(service)
    service.record_review(REVIEWER, sub.id, scores(design="Proficient", impact="Proficient"))
    assert seen == ["submission_started", "submitted", "awarded", "reviewed"]


def test_catalog_search_ranks_by_the_problem(service: Service) -> None:
    with service.store.transaction() as tx:
        tx.add_credential(
            make_credential(
                "group-work",
                name="Structure cooperative group work",
                summary="Designs group tasks where every student has a role.",
                addresses=("students tune out during group work",),
                tags=("collaboration",),
            )
        )
    hits = service.search_catalog("My students tune out during group work")
    assert hits[0].credential.id == "group-work"
    assert [h.credential.id for h in service.search_catalog("", tags=["collaboration"])] == [
        "group-work"
    ]
    assert service.search_catalog("zzzz unknown words") == []
    with pytest.raises(ValidationError):
        service.search_catalog("x", limit=0)


def test_link_evidence_round_trips(service: Service) -> None:
    sub = service.start_submission(LEARNER, "evaluate-impact")
    link = EvidenceItem(
        requirement_id="portfolio", kind=EvidenceKind.LINK, url="https://portfolio.example.org/lee"
    )
    saved = service.save_draft(LEARNER, sub.id, [link])
    assert saved.item("portfolio") == link
    assert service.get_submission(LEARNER, sub.id).submission.item("portfolio") == link


def test_evidence_files_are_read_only_by_who_may_see_the_submission(service: Service) -> None:
    """The learner and their course's reviewers read an evidence file; others, and other hashes, get nothing."""
    sub = submitted(service)
    blob = sub.item("plan").blob
    assert blob is not None
    data = b"Week 1: survey; week 6: observe."
    assert service.read_evidence_file(LEARNER, sub.id, blob.sha256) == data
    assert service.read_evidence_file(REVIEWER, sub.id, blob.sha256) == data
    with pytest.raises(PermissionDenied):
        service.read_evidence_file(OTHER_LEARNER, sub.id, blob.sha256)
    with pytest.raises(PermissionDenied):
        service.read_evidence_file(FOREIGN_REVIEWER, sub.id, blob.sha256)
    with pytest.raises(NotFound, match="holds no file"):
        service.read_evidence_file(LEARNER, sub.id, "0" * 64)


def test_check_modules_are_read_from_the_stored_pack() -> None:
    """A code check requirement's module is served from the copy stored with the pack."""
    from pathlib import Path

    from mcembed import load_pack
    from mcembed.storage import MemoryBlobStore, MemoryStore

    example_pack = Path(__file__).resolve().parents[2] / "examples" / "professional-learning"
    svc = Service(MemoryStore(), MemoryBlobStore())
    svc.add_pack(ADMIN, load_pack(example_pack))
    credential = svc.get_credential("analyse-assessment-data-python")
    source = svc.read_check_module(credential, "code-parse-score")
    assert source == (example_pack / "checks" / "assessment_data.py").read_text()
    with pytest.raises(NotFound, match="names no check module"):
        svc.read_check_module(credential, "interpretation-reflection")
    with pytest.raises(NotFound, match="not stored with the pack"):
        svc.read_check_module(load_pack(example_pack).credential(credential.id), "code-parse-score")
