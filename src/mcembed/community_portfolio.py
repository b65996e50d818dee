"""Community use cases of the portfolio: evidence sharing, public share links,
the export bundle and the CLR learner record of a completed stack."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from . import access
from .access import Actor
from .awards import Award, AwardKind, AwardStatus
from .clr import clr_credential
from .cohorts import MemberStatus
from .community_inbox import InboxUseCases
from .credentials import Credential
from .errors import Conflict, NotFound, ValidationError, did_you_mean, excerpt
from .portfolio import (
    EvidenceShare,
    Portfolio,
    PortfolioEntry,
    PublicPortfolio,
    ShareLink,
    awarded_items,
    bundle,
    hash_token,
    new_token,
    public_entry,
    rubric_results,
)
from .stacks import Stack
from .storage.base import AwardFilter, Transaction

__all__ = ["ClrExport", "NewShareLink", "PortfolioUseCases"]

_DEAD_LINK = "This link does not exist, or its owner revoked it."


@dataclass(frozen=True, slots=True, kw_only=True)
class NewShareLink:
    """A link just made. ``token`` is shown to its owner once and never stored."""

    link: ShareLink
    token: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ClrExport:
    """A learner record: the ``ClrCredential`` and, when signed, its documents."""

    document: dict[str, Any]
    documents: Mapping[str, Any] = field(default_factory=dict)

    @property
    def signed(self) -> bool:
        return bool(self.documents)


class PortfolioUseCases(InboxUseCases):
    def _definition(self, tx: Transaction, award: Award) -> Credential | Stack:
        found = (
            tx.find_stack(award.credential_id, award.credential_version)
            if award.kind is AwardKind.STACK
            else tx.find_credential(award.credential_id, award.credential_version)
        )
        if found is None:  # pragma: no cover - versions are never deleted
            raise NotFound(f"{award.credential_id}@{award.credential_version} is gone.")
        return found

    def _own_award(self, tx: Transaction, actor: Actor, award_id: str) -> Award:
        award = tx.find_award(award_id)
        if award is None or award.learner_id != actor.id:
            raise NotFound(f"No award {excerpt(award_id)} of yours.")
        return award

    def _all_awards(self, tx: Transaction, learner_id: str) -> list[Award]:
        return list(tx.list_awards(AwardFilter(learner_id=learner_id, limit=10_000)).items)

    # --- the holder's portfolio -------------------------------------------------------

    def portfolio(self, actor: Actor) -> Portfolio:
        """Every award the actor holds (any course), newest first, with its rubric
        results and feedback, its evidence, and which of it is shared."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            entries = []
            for award in self._all_awards(tx, actor.id):
                definition = self._definition(tx, award)
                submission = (
                    tx.find_submission(award.submission_id) if award.submission_id else None
                )
                share = tx.find_evidence_share(award.id)
                entries.append(
                    PortfolioEntry(
                        award=award,
                        name=definition.name,
                        summary=definition.summary,
                        status=award.status_at(now),
                        rubric=rubric_results(definition, award, feedback=True),
                        evidence=awarded_items(submission),
                        shared=share.requirement_ids if share else (),
                    )
                )
            return Portfolio(
                person_id=actor.id,
                name=actor.name or self._person_name(tx, actor.id),
                entries=tuple(entries),
            )

    def _person_name(self, tx: Transaction, person_id: str) -> str:
        person = tx.find_person(person_id)
        return (person.name if person else "") or person_id

    def share_evidence(
        self, actor: Actor, award_id: str, requirement_ids: Sequence[str]
    ) -> EvidenceShare:
        """Choose which evidence items of an awarded submission others may see
        (an empty list shares nothing again)."""
        with self.store.transaction() as tx:
            award = self._own_award(tx, actor, award_id)
            submission = tx.find_submission(award.submission_id) if award.submission_id else None
            available = [i.requirement_id for i in awarded_items(submission)]
            unknown = [r for r in requirement_ids if r not in available]
            if unknown:
                hint = did_you_mean(unknown[0], available)
                raise ValidationError(
                    f"Award {award_id} has no evidence {excerpt(unknown[0])}{hint}; "
                    f"its evidence is {', '.join(available) or 'none'}."
                )
            share = EvidenceShare(
                award_id=award.id,
                learner_id=actor.id,
                requirement_ids=tuple(r for r in available if r in set(requirement_ids)),
                updated_at=self.clock.now(),
            )
            tx.put_evidence_share(share)
            return share

    # --- share links ------------------------------------------------------------------

    def create_share_link(self, actor: Actor, *, label: str = "") -> NewShareLink:
        """A new public link to the actor's portfolio; show ``token`` to them once."""
        token = new_token()
        try:
            link = ShareLink(
                id=self.ids.new("lnk"),
                learner_id=actor.id,
                token_hash=hash_token(token),
                label=label.strip(),
                created_at=self.clock.now(),
            )
        except ValueError as e:
            raise ValidationError(str(e)) from None
        with self.store.transaction() as tx:
            tx.add_share_link(link)
        return NewShareLink(link=link, token=token)

    def share_links(self, actor: Actor) -> list[ShareLink]:
        """The actor's links, newest first (their tokens are not kept)."""
        with self.store.transaction() as tx:
            return tx.list_share_links(actor.id)

    def revoke_share_link(self, actor: Actor, link_id: str) -> ShareLink:
        """Kill a link at once (revoking again changes nothing)."""
        with self.store.transaction() as tx:
            link = tx.find_share_link(link_id)
            if link is None or link.learner_id != actor.id:
                raise NotFound(f"No share link {excerpt(link_id)} of yours.")
            if not link.active:
                return link
            revoked = replace(link, revoked_at=self.clock.now())
            tx.update_share_link(revoked)
            return revoked

    def _link(self, tx: Transaction, token: str) -> ShareLink:
        if not token or len(token) > 200:
            raise NotFound(_DEAD_LINK)
        link = tx.find_share_link_by_hash(hash_token(token))
        if link is None or not link.active:
            raise NotFound(_DEAD_LINK)
        return link

    def shared_portfolio(self, token: str) -> PublicPortfolio:
        """What a share link shows anyone: name, awards (not revoked), rubric
        levels, and the evidence the holder shared; never feedback or a course.

        Raises:
            NotFound: the link is unknown or revoked.
        """
        now = self.clock.now()
        with self.store.transaction() as tx:
            link = self._link(tx, token)
            entries = []
            for award in self._all_awards(tx, link.learner_id):
                if award.status is AwardStatus.REVOKED:
                    continue
                submission = (
                    tx.find_submission(award.submission_id) if award.submission_id else None
                )
                entries.append(
                    public_entry(
                        award,
                        self._definition(tx, award),
                        submission,
                        tx.find_evidence_share(award.id),
                        now,
                    )
                )
            return PublicPortfolio(
                name=self._person_name(tx, link.learner_id), entries=tuple(entries)
            )

    def _shared_file(self, tx: Transaction, award: Award, sha256: str) -> bytes:
        share = tx.find_evidence_share(award.id)
        submission = tx.find_submission(award.submission_id) if award.submission_id else None
        chosen = set(share.requirement_ids) if share else set()
        for item in awarded_items(submission):
            if item.requirement_id in chosen and item.blob and item.blob.sha256 == sha256:
                return self.blobs.read(sha256)
        raise NotFound("No shared file by that name.")

    def read_shared_file(self, token: str, award_id: str, sha256: str) -> bytes:
        """A file its holder shared, through their share link."""
        with self.store.transaction() as tx:
            link = self._link(tx, token)
            award = tx.find_award(award_id)
            if (
                award is None
                or award.learner_id != link.learner_id
                or (award.status is AwardStatus.REVOKED)
            ):
                raise NotFound("No shared file by that name.")
            return self._shared_file(tx, award, sha256)

    def read_showcase_file(self, actor: Actor, cohort_id: str, award_id: str, sha256: str) -> bytes:
        """A file a cohort member shared, for those who may see the cohort's showcase."""
        with self.store.transaction() as tx:
            cohort = tx.find_cohort(cohort_id)
            if cohort is None:
                raise NotFound(f"No cohort {excerpt(cohort_id)}.")
            access.require_see_cohort(actor, cohort, tx.find_cohort_member(cohort_id, actor.id))
            award = tx.find_award(award_id)
            member = tx.find_cohort_member(cohort_id, award.learner_id) if award else None
            if (
                award is None
                or member is None
                or member.status is not MemberStatus.ACTIVE
                or award.course_id != cohort.course_id
                or award.credential_id not in cohort.targets
                or award.status is AwardStatus.REVOKED
            ):
                raise NotFound("No shared file by that name.")
            return self._shared_file(tx, award, sha256)

    # --- exports ----------------------------------------------------------------------

    def export_credentials(self, actor: Actor) -> bytes:
        """Every credential the actor holds, as one zip of their Open Badges
        documents (``portfolio.bundle``)."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            awards = self._all_awards(tx, actor.id)
            names = {a.credential_id: self._definition(tx, a).name for a in awards}
            holder = actor.name or self._person_name(tx, actor.id)
        return bundle(awards, names, holder=holder, now=now)

    def export_clr(self, actor: Actor, award_id: str) -> ClrExport:
        """The CLR 2.0 learner record of a stack the actor completed: the stack's
        credential with those of its members the actor holds.

        Raises:
            NotFound: not an award of the actor's.
            Conflict: not a stack, not active, or an award has no Open Badges
                document (the instance issues plain awards until it has an issuer).
        """
        now = self.clock.now()
        with self.store.transaction() as tx:
            award = self._own_award(tx, actor, award_id)
            if award.kind is not AwardKind.STACK:
                raise Conflict(
                    f"Award {award_id} is a single credential; a learner record is made "
                    "for a completed stack."
                )
            if not award.is_active(now):
                raise Conflict(f"Award {award_id} is {award.status_at(now)}.")
            stack = self._definition(tx, award)
            assert isinstance(stack, Stack)
            members = []
            for member_id in stack.members:
                held = tx.find_latest_award(actor.id, member_id, award.course_id)
                if held is not None and held.is_active(now):
                    members.append(held)
            holder = actor.name or self._person_name(tx, actor.id)
        missing = [a.id for a in (award, *members) if "credential" not in a.documents]
        if missing:
            raise Conflict(
                f"Award {', '.join(missing)} has no Open Badges document: this instance "
                "issues plain awards until it has an issuer, so there is nothing to bundle."
            )
        import uuid

        try:
            document = clr_credential(
                id=uuid.uuid5(uuid.NAMESPACE_URL, f"mcembed:clr:{award.id}:{now.isoformat()}").urn,
                name=f"{stack.name}: learner record of {holder}",
                description=stack.summary,
                stack_credential=award.documents["credential"],
                member_credentials=[a.documents["credential"] for a in members],
                valid_from=now,
                partial=False,
            )
        except ValueError as e:
            raise Conflict(f"The awards of stack {stack.id!r} cannot be bundled: {e}") from None
        documents: Mapping[str, Any] = {}
        if self.clr_signer is not None:
            documents = dict(self.clr_signer.sign_clr(document))
        return ClrExport(document=document, documents=documents)
