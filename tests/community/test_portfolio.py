"""The portfolio: evidence sharing, share links, the export bundle, and the
CLR 2.0 learner record of a completed stack."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

from community_world import ADMIN, STACK_ID, World, learner
from mcembed import AwardKind, AwardStatus, Conflict, NotFound, ValidationError
from mcembed.clr import CLR_CONTEXTS, CLR_SCHEMA_URL, achievement_id, clr_credential
from mcembed.community import Community
from mcembed.portfolio import hash_token

L1, L2 = learner(1), learner(2)


def test_the_holder_sees_everything_and_chooses_what_to_share(mem: World) -> None:
    award = mem.award(L1)
    (entry,) = mem.community.portfolio(L1).entries
    assert entry.award.id == award.id
    assert entry.status is AwardStatus.ACTIVE
    assert [(r.criterion_name, r.level) for r in entry.rubric] == [
        ("Design", "Proficient"),
        ("Impact", "Exemplary"),
    ]
    assert entry.rubric[0].feedback == "about design"
    assert entry.rubric[1].descriptor == "Exemplary impact"
    assert [i.requirement_id for i in entry.evidence] == ["reflection", "plan"]
    assert entry.shared == ()
    share = mem.community.share_evidence(L1, award.id, ["plan", "reflection"])
    assert share.requirement_ids == ("reflection", "plan")
    with pytest.raises(
        ValidationError, match="has no evidence 'portfolo'; its evidence is reflection, plan"
    ):
        mem.community.share_evidence(L1, award.id, ["portfolo"])
    with pytest.raises(NotFound):
        mem.community.share_evidence(L2, award.id, ["plan"])


def test_a_share_link_shows_only_shared_evidence_and_dies_when_revoked(mem: World) -> None:
    award = mem.award(L1)
    made = mem.community.create_share_link(L1, label="For my principal")
    assert made.link.token_hash == hash_token(made.token)
    assert made.token not in repr(mem.community.share_links(L1))
    page = mem.community.shared_portfolio(made.token)
    assert page.name == "Learner 01"
    (entry,) = page.entries
    assert entry.evidence == ()
    assert all(r.feedback == "" for r in entry.rubric)
    mem.community.share_evidence(L1, award.id, ["plan"])
    (entry,) = mem.community.shared_portfolio(made.token).entries
    (plan,) = entry.evidence
    assert mem.community.read_shared_file(made.token, award.id, plan.blob.sha256).startswith(
        b"Week 1"
    )
    mem.community.revoke_share_link(L1, made.link.id)
    with pytest.raises(NotFound, match="revoked"):
        mem.community.shared_portfolio(made.token)
    with pytest.raises(NotFound):
        mem.community.read_shared_file(made.token, award.id, plan.blob.sha256)
    with pytest.raises(NotFound):
        mem.community.revoke_share_link(L2, made.link.id)


def test_guessing_tokens_finds_nothing(mem: World) -> None:
    mem.community.create_share_link(L1)
    for token in ("", "x", "a" * 500, hash_token("x")):
        with pytest.raises(NotFound):
            mem.community.shared_portfolio(token)


def test_a_revoked_award_leaves_the_share_page(mem: World) -> None:
    award = mem.award(L1)
    made = mem.community.create_share_link(L1)
    mem.service.revoke(ADMIN, award.id, reason="Copied work.")
    assert mem.community.shared_portfolio(made.token).entries == ()


def _zip(data: bytes) -> dict[str, Any]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            n: archive.read(n).decode() if n.endswith(".jwt") else json.loads(archive.read(n))
            for n in archive.namelist()
        }


def test_export_bundles_every_award_document(mem: World) -> None:
    first = mem.award(L1)
    mem.award(L1, "plan-learning")  # also completes the stack
    files = _zip(mem.community.export_credentials(L1))
    manifest = files.pop("manifest.json")
    assert manifest["holder"] == "Learner 01"
    assert [a["kind"] for a in manifest["awards"]] == ["credential", "credential", "stack"]
    assert sorted(files) == sorted(f for a in manifest["awards"] for f in a["files"])
    credential = files[f"credentials/evaluate-the-impact-of-professional-learning-{first.id}.json"]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert (
        files[f"credentials/evaluate-the-impact-of-professional-learning-{first.id}.jwt"].count(".")
        == 2
    )
    mem.service.revoke(ADMIN, first.id, reason="Copied.")
    manifest = _zip(mem.community.export_credentials(L1))["manifest.json"]
    assert first.id not in [a["award"] for a in manifest["awards"]]


def test_clr_of_a_completed_stack(mem: World) -> None:
    """The record holds the stack's and its members' credentials as issued,
    their achievements, and parent-of associations, per CLR 2.0."""
    mem.award(L1)
    mem.award(L1, "plan-learning")
    stack_award = next(a for a in mem.service.list_awards(L1) if a.kind is AwardKind.STACK)
    export = mem.community.export_clr(L1, stack_award.id)
    doc = export.document
    assert not export.signed
    assert doc["@context"] == list(CLR_CONTEXTS)
    assert doc["@context"][:2] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
    ]
    assert doc["type"] == ["VerifiableCredential", "ClrCredential"]
    assert doc["id"].startswith("urn:uuid:")
    assert doc["name"] == "Learning leadership: learner record of Learner 01"
    assert doc["issuer"] == stack_award.documents["credential"]["issuer"]
    assert doc["validFrom"].endswith("Z")
    assert doc["credentialSchema"] == [
        {"id": CLR_SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}
    ]
    subject = doc["credentialSubject"]
    assert subject["type"] == ["ClrSubject"]
    assert subject["identifier"] == [{"type": "IdentityObject", "hashed": True}]
    vcs = subject["verifiableCredential"]
    assert vcs[0] == stack_award.documents["credential"]
    assert len(vcs) == 3
    parent = achievement_id(vcs[0])
    assert [a["id"] for a in subject["achievement"]] == [parent, *map(achievement_id, vcs[1:])]
    assert subject["association"] == [
        {
            "type": "Association",
            "associationType": "isParentOf",
            "sourceId": parent,
            "targetId": achievement_id(vc),
        }
        for vc in vcs[1:]
    ]


def test_clr_signing_goes_through_the_seam(mem: World) -> None:
    class Signer:
        def sign_clr(self, document: dict[str, Any]) -> dict[str, Any]:
            return {"credential": {**document, "proof": [{"type": "DataIntegrityProof"}]}}

    mem.award(L1)
    mem.award(L1, "plan-learning")
    community = Community(mem.service, clr_signer=Signer())
    stack_award = next(a for a in mem.service.list_awards(L1) if a.kind is AwardKind.STACK)
    export = community.export_clr(L1, stack_award.id)
    assert export.signed
    assert export.documents["credential"]["proof"][0]["type"] == "DataIntegrityProof"


def test_clr_refusals(mem: World) -> None:
    award = mem.award(L1)
    with pytest.raises(Conflict, match="completed stack"):
        mem.community.export_clr(L1, award.id)
    with pytest.raises(NotFound):
        mem.community.export_clr(L2, award.id)


def test_clr_without_badges_says_why(mem: World) -> None:
    mem.service.recognizer = None
    mem.award(L1)
    mem.award(L1, "plan-learning")
    stack_award = next(a for a in mem.service.list_awards(L1) if a.credential_id == STACK_ID)
    with pytest.raises(Conflict, match="no Open Badges document"):
        mem.community.export_clr(L1, stack_award.id)


@pytest.mark.parametrize(
    ("stack", "members", "message"),
    [
        ({"type": ["VerifiableCredential"]}, [{}], "no 'credentialSubject.achievement.id'"),
        ({"type": ["Thing"]}, [{}], "lacks 'VerifiableCredential'"),
    ],
)
def test_clr_builder_rejects_what_is_not_ob3(stack, members, message) -> None:
    from factories import NOW

    with pytest.raises(ValueError, match=message):
        clr_credential(
            id="urn:x", name="n", stack_credential=stack, member_credentials=members, valid_from=NOW
        )


def test_clr_builder_needs_members_and_distinct_achievements() -> None:
    from factories import NOW

    vc = {
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": "https://issuer.example",
        "credentialSubject": {"achievement": {"id": "urn:a"}},
    }
    with pytest.raises(ValueError, match="needs the credentials that earned it"):
        clr_credential(id="u", name="n", stack_credential=vc, member_credentials=[], valid_from=NOW)
    with pytest.raises(ValueError, match="listed twice"):
        clr_credential(
            id="u", name="n", stack_credential=vc, member_credentials=[vc], valid_from=NOW
        )
