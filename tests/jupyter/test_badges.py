"""Offline recognition: the facilitator creates the workshop's did:key issuer, awards in
the review widget, and the learner's submit panel shows the badge, verified, with its
four downloads, whose bytes verify with the core's Verifier."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mcembed import Award, Service, SubmissionState
from mcembed.badges import KeyResolver, Verifier, unbake
from mcembed_jupyter import IssuerForm, LocalBackend, ReviewView, SubmitView, Workshop
from solutions import LEARNER, REFLECTION, WORDS_350, complete_evidence

DOWNLOAD = re.compile(r"<a download='([^']+)' href='data:([^;']+);base64,([^']+)'")
IMAGE = re.compile(r"<img class='mcembed-badge-image' src='data:image/png;base64,([^']+)'")


def downloads(html: str) -> dict[str, tuple[str, bytes]]:
    """File name -> (media type, bytes) of every download link, as the browser would save it."""
    return {name: (media, base64.b64decode(data)) for name, media, data in DOWNLOAD.findall(html)}


def submit_for_review(workshop: Workshop, namespace: dict[str, Any]) -> SubmitView:
    complete_evidence(workshop, namespace)
    workshop.reflection(REFLECTION).text.value = WORDS_350
    panel = workshop.submit_panel()
    panel.submit_button.click()
    assert "Submitted attempt 1" in panel.message.value, panel.message.value
    return panel


def award_in_review(review: ReviewView) -> None:
    for picker in review.pickers.values():
        picker.value = "Proficient"
    review.record_button.click()
    assert "Review recorded." in review.message.value, review.message.value


def create_issuer(review: ReviewView) -> IssuerForm:
    form = review.issuer
    assert form is not None
    form.name.value = "Riverbend data workshops"
    form.url.value = "https://riverbend.example"
    form.create_button.click()
    return form


def test_without_an_issuer_nothing_is_created_and_the_facilitator_is_told(
    workshop: Workshop, backend: LocalBackend, tmp_path: Path
) -> None:
    """No key is written until the facilitator asks; the box says what creating one does."""
    review = workshop.review()
    assert review.issuer is not None
    status = review.issuer.status.value
    assert "no badge issuer yet" in status
    assert "writes a new Ed25519 signing key" in status
    assert "issuer init --id did:key" in status
    assert review.issuer.fields.layout.display is None
    assert backend.issuer is None
    assert not (tmp_path / "instance" / "keys").exists()


def test_the_core_refuses_a_bad_issuer_and_the_form_says_why(workshop: Workshop) -> None:
    review = workshop.review()
    form = review.issuer
    assert form is not None
    form.name.value = "Riverbend"
    form.url.value = "riverbend.example"
    form.create_button.click()
    assert "must be an http(s) URL" in form.message.value
    assert workshop.backend.issuer is None  # type: ignore[attr-defined]


def test_offline_award_with_a_did_key_issuer_is_shown_verified_with_four_downloads(
    workshop: Workshop, namespace: dict[str, Any], service: Service, tmp_path: Path
) -> None:
    """Create the issuer in the review widget, award: signed documents, image, downloads."""
    panel = submit_for_review(workshop, namespace)
    review = workshop.review()
    form = create_issuer(review)
    assert "Created the issuer did:key:z6Mk" in form.message.value
    assert "signed by <strong>Riverbend data workshops</strong>" in form.status.value
    assert form.fields.layout.display == "none"
    private = tmp_path / "instance" / "keys" / "private"
    assert private.is_dir()
    assert all(f.stat().st_mode & 0o077 == 0 for f in private.iterdir())

    award_in_review(review)
    assert "✔ Verified" in review.outcome.value

    panel.refresh_button.click()
    detail = service.get_submission(LEARNER, workshop.submission.id)
    assert detail.submission.state is SubmissionState.AWARDED
    award = detail.award
    assert isinstance(award, Award)
    assert award.documents["jwt"].count(".") == 2
    assert award.documents["credential"]["issuer"]["id"].startswith("did:key:z6Mk")
    assert "proof" in award.documents["credential"]

    html = panel.award.value
    assert "Awarded: Analyse classroom assessment data with Python" in html
    assert "✔ Verified: a valid Open Badge, signed by Riverbend data workshops" in html
    assert "alt='Badge: Analyse classroom assessment data with Python'" in html
    shown = IMAGE.search(html)
    assert shown is not None
    files = downloads(html)
    stem = "analyse-assessment-data-python"
    assert {name: media for name, (media, _) in files.items()} == {
        f"{stem}.png": "image/png",
        f"{stem}.svg": "image/svg+xml",
        f"{stem}.json": "application/json",
        f"{stem}.jwt": "application/jwt",
    }
    assert base64.b64decode(shown.group(1)) == files[f"{stem}.png"][1]

    # a verifier that knows nothing of this workshop, and fetches nothing
    stranger = Verifier(KeyResolver(None), fetch=None)
    for name, (_media, data) in files.items():
        result = stranger.verify(data)
        assert result.valid, (name, result.checks)
        assert result.credential is not None
        assert result.credential["issuer"]["name"] == "Riverbend data workshops"
    baked = unbake(files[f"{stem}.png"][1])
    assert baked is not None
    assert baked.text == award.documents["jwt"]
    changed = files[f"{stem}.json"][1].replace(b"Proficient", b"Exemplary", 1)
    assert stranger.verify(changed).status == "invalid"


def test_an_issuer_created_in_a_terminal_signs_the_next_award(
    workshop: Workshop, namespace: dict[str, Any], tmp_path: Path
) -> None:
    """`mcembed issuer init --id did:key` while the notebook runs: the open review widget
    picks it up on reload, and its next award is signed."""
    panel = submit_for_review(workshop, namespace)
    review = workshop.review()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "mcembed",
            "--instance",
            str(tmp_path / "instance"),
            "issuer",
            "init",
            "--id",
            "did:key",
            "--name",
            "Terminal issuer",
            "--url",
            "https://riverbend.example",
        ],
        check=True,
        capture_output=True,
    )
    review.reload_button.click()
    assert review.issuer is not None
    assert "signed by <strong>Terminal issuer</strong>" in review.issuer.status.value
    award_in_review(review)
    panel.refresh_button.click()
    assert "✔ Verified: a valid Open Badge, signed by Terminal issuer" in panel.award.value
    assert len(downloads(panel.award.value)) == 4


def test_an_award_made_before_the_issuer_says_it_has_no_signed_badge(
    workshop: Workshop, namespace: dict[str, Any]
) -> None:
    panel = submit_for_review(workshop, namespace)
    review = workshop.review()
    award_in_review(review)
    panel.refresh_button.click()
    assert "Awarded:" in panel.award.value
    assert "recorded without a signed badge" in panel.award.value
    assert downloads(panel.award.value) == {}


def test_a_revoked_badge_is_shown_as_not_verified(
    workshop: Workshop, namespace: dict[str, Any], service: Service, tmp_path: Path
) -> None:
    """The panel shows the revocation; the verified line is the core Verifier's answer."""
    from mcembed import Actor

    panel = submit_for_review(workshop, namespace)
    review = workshop.review()
    create_issuer(review)
    award_in_review(review)
    detail = service.get_submission(LEARNER, workshop.submission.id)
    assert detail.award is not None
    service.revoke(Actor.system(), detail.award.id, reason="Not the learner's own work")
    panel.refresh_button.click()
    assert "Status: revoked." in panel.award.value
    assert "Not the learner&#x27;s own work" in panel.award.value
    # an offline did:key workshop publishes no revocation list (no server to host it):
    # its badge's signature still verifies, and the panel says what the core says
    assert "✔ Verified: a valid Open Badge" in panel.award.value


def test_create_issuer_needs_the_instance_settings(service: Service) -> None:
    from mcembed import ConfigError

    bare = LocalBackend(service, LEARNER)
    with pytest.raises(ConfigError, match=r"LocalBackend\.open"):
        bare.create_issuer(name="X", url="https://x.example")
