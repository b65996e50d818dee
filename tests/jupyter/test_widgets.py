"""Widget logic without a browser: set values, click buttons, assert the core's state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mcembed import (
    EvidenceKind,
    McembedError,
    Service,
    SubmissionState,
    ValidationError,
)
from mcembed_jupyter import Backend, LocalBackend, Workshop
from solutions import LEARNER, load_solution

REFLECTION = "interpretation-reflection"
WORDS_350 = " ".join(["word"] * 350)


def upload_value(name: str, content: bytes) -> tuple[dict[str, Any], ...]:
    """What the browser sends to a FileUpload widget for one chosen file."""
    return (
        {
            "name": name,
            "type": "",
            "size": len(content),
            "content": memoryview(content),
            "last_modified": datetime(2026, 9, 1, tzinfo=UTC),
        },
    )


def stored(service: Service, workshop: Workshop, evidence_id: str) -> Any:
    return service.get_submission(LEARNER, workshop.submission.id).submission.item(evidence_id)


def test_local_backend_is_a_backend(backend: LocalBackend) -> None:
    """The offline backend satisfies the protocol a connected one will implement."""
    assert isinstance(backend, Backend)
    assert backend.actor == LEARNER
    assert backend.drafts_folder.parent == Path(backend.service.blobs.root).parent


def test_card_shows_the_credential_and_progress_from_the_core(workshop: Workshop) -> None:
    """Competency, requirements, rubric and passing rule are shown; progress follows the core."""
    card = workshop.card()
    assert "Answers an instructional question" in card.about.value
    assert "Workshop step 1: parse_score" in card.about.value
    assert "every criterion at Proficient or above" in card.about.value
    assert "Careful handling of messy data" in card.rubric.children[0].value
    assert card.progress.max == 6
    assert card.progress.value == 0
    form = workshop.reflection(REFLECTION)
    form.text.value = WORDS_350
    form.save_button.click()
    assert card.progress.value == 1
    assert "1 of 6 required" in card.progress_text.value


def test_reflection_counts_words_live_against_the_bounds(
    workshop: Workshop, service: Service
) -> None:
    """The count comes from the core's bounds; too many words is refused by the core and kept locally."""
    form = workshop.reflection(REFLECTION)
    assert "Describe the instructional decision" in form.prompt.value
    form.text.value = "Too short for now."
    assert "4 words: 296 more needed (at least 300)" in form.count.value
    form.text.value = WORDS_350
    assert "350 words (between 300 and 600)" in form.count.value
    form.text.value = " ".join(["word"] * 601)
    assert "1 over the limit of 600" in form.count.value
    form.save_button.click()
    assert "at most 600 are allowed" in form.message.value
    assert stored(service, workshop, REFLECTION) is None
    form.text.value = WORDS_350
    form.save_button.click()
    assert "Saved." in form.message.value
    item = stored(service, workshop, REFLECTION)
    assert item.text == WORDS_350
    assert item.metadata["evidence_id"] == REFLECTION


def test_typed_text_survives_a_kernel_restart(make_workshop: Callable[..., Workshop]) -> None:
    """What was typed but never saved comes back in a new kernel; saved text is not flagged."""
    first = make_workshop().reflection(REFLECTION)
    first.text.value = "Half a thought about period 3"
    again = make_workshop().reflection(REFLECTION)
    assert again.text.value == "Half a thought about period 3"
    assert "Restored what you typed before" in again.message.value
    again.text.value = WORDS_350
    again.save_button.click()
    third = make_workshop().reflection(REFLECTION)
    assert third.text.value == WORDS_350
    assert third.message.value == ""


def test_code_check_fails_then_passes_and_records_evidence(
    workshop: Workshop, namespace: dict[str, Any], service: Service
) -> None:
    """Undefined, then wrong, then right: the pass/fail list, hints, and the evidence saved each time."""
    form = workshop.code_check("code-parse-score")
    assert "Not run yet" in form.results.value
    form.run_button.click()
    assert "parse_score is not defined yet" in form.results.value

    exec("def parse_score(value):\n    return float(value)\n", namespace)
    form.run_button.click()
    assert "3 of 4 checks pass" in form.results.value
    assert "Hint:" in form.results.value
    assert "try/except ValueError" in form.results.value
    item = stored(service, workshop, "code-parse-score")
    assert [r.passed for r in item.check_results] == [True, True, True, False]

    namespace["parse_score"] = load_solution("analyse-assessment-data").parse_score
    form.run_button.click()
    assert "4 of 4 checks pass" in form.results.value
    item = stored(service, workshop, "code-parse-score")
    assert all(r.passed for r in item.check_results)
    assert "def parse_score(value):" in item.code
    assert item.metadata["target"] == "parse_score"
    assert item.metadata["evidence_id"] == "code-parse-score"


def test_a_runaway_check_is_stopped_and_explained(
    make_workshop: Callable[..., Workshop], namespace: dict[str, Any]
) -> None:
    """A learner's endless loop stops at the time limit with a message saying so."""
    workshop = make_workshop(time_limit=0.2)
    exec("def parse_score(value):\n    while True:\n        pass\n", namespace)
    form = workshop.code_check("code-parse-score")
    run = form.run()
    assert run is not None
    assert not any(r.passed for r in run.results)
    assert "still running after 0.2 seconds" in run.results[0].message


def test_an_exception_in_the_learners_code_gets_a_kind_message(
    workshop: Workshop, namespace: dict[str, Any]
) -> None:
    """An error raised past the check's own guard names the error and the learner's line."""
    exec("def skills_to_practise(answers, key, skills):\n    return answers['nope']\n", namespace)
    exec("def mean_score_by_group(rows):\n    return 1 / 0\n", namespace)
    run = workshop.code_check("code-mean-by-group").run()
    assert run is not None
    assert "ZeroDivisionError" in run.results[0].message
    assert "instead of raising an error" in run.results[0].message


def test_code_box_under_voila_runs_the_learners_code(
    workshop: Workshop, namespace: dict[str, Any], service: Service
) -> None:
    """Where cells cannot be edited, the widget's code box defines the function before the checks."""
    form = workshop.code_check("code-percent-meeting", editor=True)
    assert form.editor is not None
    form.editor.value = "def percent_meeting_standard(rows, cutoff)\n    return 0"
    form.run_button.click()
    assert "syntax error on line 1" in form.message.value
    form.editor.value = "def percent_meeting_standard(rows, cutoff):\n    return None\n"
    form.run_button.click()
    assert "0 of 4 checks pass" in form.results.value
    source = Path(load_solution("analyse-assessment-data").__file__).read_text()
    form.editor.value = source
    form.run_button.click()
    assert "4 of 4 checks pass" in form.results.value
    item = stored(service, workshop, "code-percent-meeting")
    assert item.metadata["written_in"] == "code box"
    assert item.code == source


def test_upload_limits_come_from_the_pack_and_the_core(
    workshop: Workshop, service: Service
) -> None:
    """The accepted types are shown; a wrong type is refused by the core; a good file is stored."""
    form = workshop.upload("class-notebook")
    assert form.upload.accept == ".ipynb,.html,.pdf"
    assert "ipynb, html, pdf; at most 10 MB" in form.limits.value
    form.upload.value = upload_value("notes.docx", b"PK\x03\x04 not really")
    assert "is not an allowed type; allowed: ipynb, html, pdf" in form.message.value
    assert form.upload.value == ()
    form.upload.value = upload_value(
        "analysis.html", b"<html><body>Period 2 needs a reteach</body></html>"
    )
    assert "Uploaded analysis.html" in form.message.value
    assert "analysis.html" in form.current.value
    assert stored(service, workshop, "class-notebook").blob.filename == "analysis.html"


def test_attestation_saves_when_ticked(workshop: Workshop, service: Service) -> None:
    form = workshop.attestation("data-care-statement")
    assert "de-identified" in form.children[2].value
    form.confirm.value = True
    assert stored(service, workshop, "data-care-statement").attested is True


def test_link_must_be_a_web_address(tmp_path: Path, backend: LocalBackend) -> None:
    """The core refuses a link that is not http(s); a good one is saved."""
    from mcembed import load_pack

    pack = load_pack(Path(__file__).resolve().parents[2] / "examples" / "professional-learning")
    with_link = next(
        c for c in pack.credentials if any(r.kind is EvidenceKind.LINK for r in c.evidence)
    )
    req = next(r for r in with_link.evidence if r.kind is EvidenceKind.LINK)
    ws = Workshop(with_link.id, backend=backend, folder=tmp_path, namespace={})
    form = ws.link(req.id)
    form.url.value = "javascript:alert(1)"
    form.save_button.click()
    assert "is not a web address" in form.message.value
    form.url.value = "https://video.example.org/clip"
    form.save_button.click()
    assert ws.submission.item(req.id).url == "https://video.example.org/clip"


def test_widgets_refuse_the_wrong_kind_of_evidence(workshop: Workshop) -> None:
    with pytest.raises(
        ValidationError,
        match=r"code_check evidence; show it with ws.code_check\('code-parse-score'\)",
    ):
        workshop.reflection("code-parse-score")
    with pytest.raises(McembedError, match="did you mean 'interpretation-reflection'"):
        workshop.reflection("interpretation-reflexion")


def test_self_assessment_needs_every_criterion_and_decides_nothing(
    workshop: Workshop, service: Service
) -> None:
    form = workshop.self_assessment()
    form.pickers["correct-computation"].value = "Proficient"
    form.record_button.click()
    assert "no level was given" in form.message.value
    for picker in form.pickers.values():
        picker.value = "Exemplary"
    described = [
        w.children[1].value
        for w in form.children
        if hasattr(w, "children") and len(w.children) == 2
    ]
    assert "Exemplary:</strong> Every check passes; the functions are short" in described[0]
    form.record_button.click()
    assert "would pass" in form.outcome.value
    detail = service.get_submission(LEARNER, workshop.submission.id)
    assert detail.self_assessments[0].scores[0].level == "Exemplary"
    assert detail.submission.state is SubmissionState.DRAFT


def complete_evidence(workshop: Workshop, namespace: dict[str, Any]) -> None:
    solution = load_solution("analyse-assessment-data")
    namespace.update(vars(solution))
    for evidence_id in ("code-parse-score", "code-mean-by-group", "code-percent-meeting"):
        workshop.code_check(evidence_id).run_button.click()
    workshop.upload("class-notebook").upload.value = upload_value(
        "analysis.html", b"<html>ok</html>"
    )
    workshop.attestation("data-care-statement").confirm.value = True


def test_submit_review_revise_award(
    workshop: Workshop, namespace: dict[str, Any], service: Service
) -> None:
    """The whole offline path: missing items, submit, not yet with feedback, resubmit, award."""
    panel = workshop.submit_panel()
    assert "Still missing" in panel.missing.value
    assert "From numbers to a decision" in panel.missing.value
    panel.submit_button.click()
    assert "cannot be submitted yet" in panel.message.value

    complete_evidence(workshop, namespace)
    reflection = workshop.reflection(REFLECTION)
    reflection.text.value = WORDS_350  # typed, not saved: submitting saves it
    panel.submit_button.click()
    assert "Submitted attempt 1" in panel.message.value
    assert "waiting for a reviewer" in panel.state.value
    assert panel.submit_button.layout.display == "none"

    review = workshop.review()
    assert len(review.queue.options) == 1
    assert review.message.value == ""
    assert "4 of 4 checks pass" in review.evidence.value
    assert "analysis.html" in review.evidence.value
    for cid, picker in review.pickers.items():
        picker.value = "Developing" if cid == "interpretation" else "Proficient"
        review.feedback[cid].value = f"Feedback on {cid}"
    review.overall.value = "Close: say what the data cannot show."
    review.record_button.click()
    assert "Not yet" in review.outcome.value
    assert review.queue.options == ()

    panel.refresh_button.click()
    assert "Not yet: read the feedback" in panel.state.value
    assert "Feedback on interpretation" in panel.feedback.value
    assert "Close: say what the data cannot show." in panel.feedback.value
    assert panel.submit_button.description == "Resubmit"

    reflection.text.value = WORDS_350 + " and what it cannot show"
    panel.submit_button.click()
    assert "Submitted attempt 2" in panel.message.value
    review.reload()
    for picker in review.pickers.values():
        picker.value = "Proficient"
    review.record_button.click()
    assert "Awarded" in review.outcome.value

    panel.refresh_button.click()
    assert "Awarded." in panel.state.value
    assert "Awarded: Analyse classroom assessment data with Python" in panel.award.value
    assert "Attempt 1" in panel.attempts.value
    assert "Attempt 2" in panel.attempts.value
    detail = service.get_submission(LEARNER, workshop.submission.id)
    assert detail.submission.state is SubmissionState.AWARDED
    assert len(detail.submission.attempts) == 2


def test_the_facilitator_cannot_review_their_own_work(
    tmp_path: Path, backend: LocalBackend
) -> None:
    """Permissions are the core's: a reviewer acting as the learner is refused, and it is shown."""
    namespace: dict[str, Any] = {}
    facilitator_as_learner = backend.as_actor(backend.as_facilitator().actor)
    ws = Workshop(
        "analyse-assessment-data-python",
        backend=facilitator_as_learner,
        folder=tmp_path,
        namespace=namespace,
    )
    complete_evidence(ws, namespace)
    reflection = ws.reflection(REFLECTION)
    reflection.text.value = WORDS_350
    ws.submit_panel().submit_button.click()
    review = ws.review()
    review.show_submission(ws.submission.id)
    for picker in review.pickers.values():
        picker.value = "Proficient"
    review.record_button.click()
    assert "it is your own" in review.message.value


def test_badge_documents_are_shown_and_downloadable(
    tmp_path: Path, namespace: dict[str, Any]
) -> None:
    """When the award carries signed documents, the panel shows the image and offers downloads."""
    from mcembed import Actor, Settings, load_pack, open_service

    class Recognizer:
        def recognize(self, award: Any, definition: Any, learner: Any) -> dict[str, Any]:
            return {
                "credential": {
                    "type": ["VerifiableCredential", "OpenBadgeCredential"],
                    "id": award.id,
                },
                "badge.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
                "baked": "data:image/png;base64,iVBORw0KGgo=",
                "jwt": "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJsZWUifQ.c2ln",
            }

    service = open_service(Settings(instance=tmp_path / "instance"), recognizer=Recognizer())
    pack = Path(__file__).resolve().parents[2] / "examples" / "professional-learning"
    service.add_pack(Actor.system(), load_pack(pack))
    backend = LocalBackend(service, LEARNER, drafts_folder=tmp_path / "drafts")
    ws = Workshop(
        "analyse-assessment-data-python", backend=backend, folder=tmp_path, namespace=namespace
    )
    complete_evidence(ws, namespace)
    ws.reflection(REFLECTION).text.value = WORDS_350
    panel = ws.submit_panel()
    panel.submit_button.click()
    review = ws.review()
    for picker in review.pickers.values():
        picker.value = "Exemplary"
    review.record_button.click()
    assert review.message.value.endswith("Review recorded.</div>"), review.message.value
    panel.refresh_button.click()
    assert "<img src='data:image/svg+xml;base64," in panel.award.value
    assert "download='credential.json'" in panel.award.value
    assert "download='jwt.jwt'" in panel.award.value
    assert "download='baked.png'" in panel.award.value
    assert "alt='Badge: Analyse classroom assessment data with Python'" in panel.award.value


def test_errors_that_are_not_mcembeds_propagate(
    workshop: Workshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only McembedError is shown in the widget; a bug elsewhere is raised, not hidden."""
    form = workshop.reflection(REFLECTION)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(workshop.backend, "save_draft", broken)
    form.text.value = WORDS_350
    with pytest.raises(RuntimeError, match="disk on fire"):
        form.save()


def test_link_and_self_assessment_drafts_survive_a_restart(
    tmp_path: Path, backend: LocalBackend, make_workshop: Callable[..., Workshop]
) -> None:
    """Levels picked and a note typed come back in a new kernel, before anything is recorded."""
    form = make_workshop().self_assessment()
    form.pickers["interpretation"].value = "Developing"
    form.note.value = "Unsure about the interpretation."
    again = make_workshop().self_assessment()
    assert again.pickers["interpretation"].value == "Developing"
    assert again.pickers["responsible-use"].value is None
    assert again.note.value == "Unsure about the interpretation."
