"""Community use cases between people: recommendations, goals, and the
expertise directory with its mentoring requests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from . import access
from .access import Actor, Role
from .activity import award_fact
from .catalog import matches_filters
from .cohorts import MemberStatus
from .community_inbox import InboxUseCases
from .directory import (
    ALL,
    MAX_MENTORING_MESSAGE,
    DirectoryEntry,
    DirectoryListing,
    directory_entries,
    is_listed,
)
from .errors import Conflict, NotFound, PermissionDenied, ValidationError, did_you_mean, excerpt
from .notifications import NotificationKind
from .people import Person
from .recommendations import (
    ANONYMOUS_SENDER,
    MAX_RECOMMENDATION_NOTE,
    Goal,
    ModerationCase,
    ReceivedRecommendation,
    Recommendation,
    RecommendationStatus,
    RecommenderRole,
    SentRecommendation,
    received,
)
from .storage.base import AwardFilter, Transaction
from .storage.community_base import RecommendationFilter

__all__ = ["PeopleUseCases"]

_MAX_REPORT = 500
_MAX_GROUP = 500


class PeopleUseCases(InboxUseCases):
    def _definition_name(self, tx: Transaction, credential_id: str) -> str:
        found = tx.find_credential(credential_id) or tx.find_stack(credential_id)
        if found is None:
            names = [c.id for c in tx.list_credentials()] + [s.id for s in tx.list_stacks()]
            raise NotFound(
                f"No credential {excerpt(credential_id)}{did_you_mean(credential_id, names)}."
            )
        return found.name

    def _name(self, tx: Transaction, person_id: str) -> str:
        person = tx.find_person(person_id)
        return (person.name if person else "") or person_id

    # --- recommendations ------------------------------------------------------------

    def recommend(
        self,
        actor: Actor,
        credential_id: str,
        recipients: Sequence[str],
        *,
        note: str = "",
        anonymous: bool = False,
    ) -> list[SentRecommendation]:
        """Recommend a credential: an instructor to learners of their course (one
        or a group), a peer to one colleague, optionally anonymously.

        Each recipient gets a notification. Recommending the same credential to
        the same person again, while they have not answered, changes nothing.

        Raises:
            ValidationError: an anonymous instructor, a peer writing to several
                people at once, oneself among the recipients, a note too long.
            NotFound: an unknown credential or person.
        """
        instructor = Role.INSTRUCTOR in actor.roles or actor.is_admin
        role = RecommenderRole.INSTRUCTOR if instructor else RecommenderRole.PEER
        if anonymous and instructor:
            raise ValidationError(
                "Instructors recommend under their own name; only peers may stay anonymous."
            )
        wanted = list(dict.fromkeys(r.strip() for r in recipients if r.strip()))
        if not wanted:
            raise ValidationError("Name at least one person to recommend this to.")
        if actor.id in wanted:
            raise ValidationError("A recommendation is for someone else, not for yourself.")
        if role is RecommenderRole.PEER and len(wanted) > 1:
            raise ValidationError("A peer recommends to one colleague at a time.")
        if len(wanted) > _MAX_GROUP:
            raise ValidationError(f"At most {_MAX_GROUP} people at once (got {len(wanted)}).")
        note = note.strip()
        if len(note) > MAX_RECOMMENDATION_NOTE:
            raise ValidationError(
                f"The note may be at most {MAX_RECOMMENDATION_NOTE} characters (got {len(note)})."
            )
        now = self.clock.now()
        with self.store.transaction() as tx:
            credential_name = self._definition_name(tx, credential_id)
            unknown = [r for r in wanted if tx.find_person(r) is None]
            if unknown:
                raise NotFound(f"No person {', '.join(repr(u) for u in unknown)} is known here.")
            tx.put_person(Person(id=actor.id, name=actor.name, email=actor.email))
            batch = self.ids.new("batch") if len(wanted) > 1 else ""
            out = []
            for recipient in wanted:
                pending = tx.list_recommendations(
                    RecommendationFilter(
                        recipient_id=recipient,
                        sender_id=actor.id,
                        course_id=actor.course_id,
                        credential_id=credential_id,
                        status=RecommendationStatus.PENDING,
                        limit=1,
                    )
                )
                if pending:
                    rec = pending[0]
                else:
                    rec = Recommendation(
                        id=self.ids.new("rec"),
                        credential_id=credential_id,
                        course_id=actor.course_id,
                        recipient_id=recipient,
                        sender_id=actor.id,
                        sender_role=role,
                        anonymous=anonymous,
                        note=note,
                        batch_id=batch,
                        created_at=now,
                    )
                    tx.add_recommendation(rec)
                    who = ANONYMOUS_SENDER if anonymous else (actor.name or actor.id)
                    self._notify(
                        tx,
                        recipient,
                        NotificationKind.RECOMMENDATION,
                        f"{who} recommends {credential_name!r} to you",
                        body=note,
                        link={"recommendation_id": rec.id, "credential_id": credential_id},
                        key=f"recommendation:{rec.id}",
                    )
                out.append(self._sent(tx, rec, credential_name))
            return out

    def recommend_to_cohort(
        self, actor: Actor, cohort_id: str, credential_id: str, *, note: str = ""
    ) -> list[SentRecommendation]:
        """Recommend a credential to every active member of a cohort one manages."""
        with self.store.transaction() as tx:
            cohort = tx.find_cohort(cohort_id)
            if cohort is None:
                raise NotFound(f"No cohort {excerpt(cohort_id)}.")
            access.require_manage_cohort(actor, cohort)
            members = [
                m.person_id
                for m in tx.list_cohort_members(cohort_id)
                if m.status is MemberStatus.ACTIVE and m.person_id != actor.id
            ]
        if not members:
            raise ValidationError(f"Cohort {cohort.name!r} has no active members yet.")
        return self.recommend(actor, credential_id, members, note=note)

    def _sent(
        self, tx: Transaction, rec: Recommendation, credential_name: str
    ) -> SentRecommendation:
        return SentRecommendation(
            id=rec.id,
            credential_id=rec.credential_id,
            credential_name=credential_name,
            recipient_id=rec.recipient_id,
            recipient_name=self._name(tx, rec.recipient_id),
            note=rec.note,
            anonymous=rec.anonymous,
            status=rec.status,
            created_at=rec.created_at,
        )

    def _received(self, tx: Transaction, rec: Recommendation) -> ReceivedRecommendation:
        # the sender is not even looked up when they chose to stay anonymous
        sender = "" if rec.anonymous else self._name(tx, rec.sender_id)
        return received(
            rec, sender_name=sender, credential_name=self._definition_name(tx, rec.credential_id)
        )

    def recommendations_for_me(
        self, actor: Actor, *, status: RecommendationStatus | None = None
    ) -> list[ReceivedRecommendation]:
        """Recommendations to the actor in their course, newest first; an
        anonymous one says only that a colleague sent it."""
        with self.store.transaction() as tx:
            found = tx.list_recommendations(
                RecommendationFilter(
                    recipient_id=actor.id, course_id=actor.course_id, status=status, limit=500
                )
            )
            return [
                self._received(tx, r)
                for r in found
                if r.status is not RecommendationStatus.WITHDRAWN
            ]

    def recommendations_sent(self, actor: Actor) -> list[SentRecommendation]:
        """What the actor recommended in their course, newest first."""
        with self.store.transaction() as tx:
            found = tx.list_recommendations(
                RecommendationFilter(sender_id=actor.id, course_id=actor.course_id, limit=500)
            )
            return [self._sent(tx, r, self._definition_name(tx, r.credential_id)) for r in found]

    def _mine(self, tx: Transaction, actor: Actor, recommendation_id: str) -> Recommendation:
        rec = tx.find_recommendation(recommendation_id)
        if rec is None or rec.recipient_id != actor.id or rec.course_id != actor.course_id:
            raise NotFound(f"No recommendation {excerpt(recommendation_id)} for you.")
        return rec

    def answer_recommendation(
        self, actor: Actor, recommendation_id: str, *, accept: bool
    ) -> ReceivedRecommendation:
        """Accept (the credential becomes one of the actor's goals) or decline.

        Raises:
            Conflict: it was answered already.
        """
        now = self.clock.now()
        with self.store.transaction() as tx:
            rec = self._mine(tx, actor, recommendation_id)
            answered = rec.answer(accept=accept, at=now)
            tx.update_recommendation(answered)
            if accept and tx.find_goal(actor.id, rec.credential_id, rec.course_id) is None:
                tx.put_goal(
                    Goal(
                        person_id=actor.id,
                        credential_id=rec.credential_id,
                        course_id=rec.course_id,
                        created_at=now,
                        recommendation_id=rec.id,
                    )
                )
            return self._received(tx, answered)

    def report_recommendation(
        self, actor: Actor, recommendation_id: str, *, reason: str
    ) -> ReceivedRecommendation:
        """Report a recommendation as abusive: administrators see it, with its
        sender, to act on it. The recipient still never learns who sent it."""
        reason = reason.strip()
        if not reason or len(reason) > _MAX_REPORT:
            raise ValidationError(f"Say what is wrong, in at most {_MAX_REPORT} characters.")
        with self.store.transaction() as tx:
            rec = self._mine(tx, actor, recommendation_id)
            reported = replace(rec, reported_at=self.clock.now(), report_reason=reason)
            tx.update_recommendation(reported)
            return self._received(tx, reported)

    def moderate_recommendations(
        self, actor: Actor, *, reported_only: bool = True, limit: int = 100
    ) -> list[Recommendation]:
        """Recommendations with their senders, for moderators acting on abuse
        (``moderation_roles``; in their course, or every course for the operator)."""
        access.require_moderation(actor, self.moderation_roles)
        with self.store.transaction() as tx:
            return tx.list_recommendations(
                RecommendationFilter(
                    reported_only=reported_only, course_id=actor.course_id or None, limit=limit
                )
            )

    def _case(self, tx: Transaction, rec: Recommendation) -> ModerationCase:
        return ModerationCase(
            id=rec.id,
            course_id=rec.course_id,
            credential_id=rec.credential_id,
            credential_name=self._definition_name(tx, rec.credential_id),
            recipient_id=rec.recipient_id,
            recipient_name=self._name(tx, rec.recipient_id),
            sender_id=rec.sender_id,
            sender_name=self._name(tx, rec.sender_id),
            sender_role=rec.sender_role,
            anonymous=rec.anonymous,
            note=rec.note,
            status=rec.status,
            created_at=rec.created_at,
            reported_at=rec.reported_at,
            report_reason=rec.report_reason,
        )

    def moderation_queue(self, actor: Actor, *, limit: int = 100) -> list[ModerationCase]:
        """The reported recommendations awaiting a moderator, newest first,
        with who sent each (anonymous or not) so abuse can be acted on."""
        found = self.moderate_recommendations(actor, limit=limit)
        with self.store.transaction() as tx:
            return [self._case(tx, r) for r in found]

    def resolve_report(
        self, actor: Actor, recommendation_id: str, *, withdraw: bool
    ) -> ModerationCase:
        """Close a report (moderators): ``withdraw`` takes the recommendation
        away from its recipient (it leaves their page); otherwise it stays as it
        was. Either way it leaves the queue, and the recipient is told nothing
        more about the sender.

        Raises:
            NotFound: no open report on that recommendation the actor may see.
        """
        access.require_moderation(actor, self.moderation_roles)
        with self.store.transaction() as tx:
            rec = tx.find_recommendation(recommendation_id)
            if (
                rec is None
                or rec.reported_at is None
                or (actor.course_id and rec.course_id != actor.course_id)
            ):
                raise NotFound(f"No open report on recommendation {excerpt(recommendation_id)}.")
            resolved = replace(
                rec,
                reported_at=None,
                report_reason="",
                status=RecommendationStatus.WITHDRAWN if withdraw else rec.status,
            )
            tx.update_recommendation(resolved)
            notice = tx.find_notification_by_key(rec.recipient_id, f"recommendation:{rec.id}")
            if withdraw and notice is not None:
                # the note leaves the recipient's inbox with the recommendation
                tx.update_notification(
                    replace(
                        notice,
                        title="A recommendation to you was withdrawn by a moderator",
                        body="",
                        link={},
                        read_at=notice.read_at or self.clock.now(),
                    )
                )
            return self._case(tx, resolved)

    # --- the people of a course -------------------------------------------------------

    def course_people(self, actor: Actor) -> list[Person]:
        """The other people of the actor's course, by name: those the LMS lists
        as active on its roster and those who opened the tool there. A page
        offers them as recipients of a recommendation or as cohort members.

        Raises:
            PermissionDenied: the actor acts in no course.
        """
        if not actor.course_id:
            raise PermissionDenied("People are listed within a course; open the tool from one.")
        with self.store.transaction() as tx:
            roster = [m for m in tx.list_roster(actor.course_id) if m.active or m.launched]
            ids = [m.person_id for m in roster if m.person_id != actor.id]
            known = {p.id: p for p in tx.list_people(ids)}
        out = {
            m.person_id: known.get(m.person_id)
            or Person(id=m.person_id, name=m.name, email=m.email)
            for m in roster
            if m.person_id != actor.id
        }
        return sorted(out.values(), key=lambda p: ((p.name or p.id).lower(), p.id))

    # --- goals ----------------------------------------------------------------------

    def goals(self, actor: Actor) -> list[Goal]:
        """The actor's goals in their course, oldest first."""
        with self.store.transaction() as tx:
            return tx.list_goals(actor.id, course_id=actor.course_id)

    def add_goal(self, actor: Actor, credential_id: str) -> Goal:
        """Make a credential one of the actor's goals (again: no change)."""
        with self.store.transaction() as tx:
            self._definition_name(tx, credential_id)
            held = tx.find_goal(actor.id, credential_id, actor.course_id)
            if held is not None:
                return held
            goal = Goal(
                person_id=actor.id,
                credential_id=credential_id,
                course_id=actor.course_id,
                created_at=self.clock.now(),
            )
            tx.put_goal(goal)
            return goal

    def remove_goal(self, actor: Actor, credential_id: str) -> None:
        with self.store.transaction() as tx:
            tx.remove_goal(actor.id, credential_id, actor.course_id)

    # --- the expertise directory ----------------------------------------------------

    def join_directory(self, actor: Actor, credential_id: str = ALL) -> DirectoryListing:
        """Opt in to the directory for one credential the actor holds, or for
        every credential they hold (``ALL``)."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            if credential_id != ALL:
                self._definition_name(tx, credential_id)
                held = [
                    a
                    for a in tx.list_awards(
                        AwardFilter(learner_id=actor.id, credential_id=credential_id)
                    ).items
                    if a.is_active(now)
                ]
                if not held:
                    raise Conflict(
                        f"You can be listed for a credential you hold; you do not hold "
                        f"{excerpt(credential_id)} now."
                    )
            tx.put_person(Person(id=actor.id, name=actor.name, email=actor.email))
            listing = DirectoryListing(
                person_id=actor.id, credential_id=credential_id, created_at=now
            )
            tx.put_directory_listing(listing)
            return listing

    def leave_directory(self, actor: Actor, credential_id: str | None = None) -> int:
        """Opt out, for one credential or (``None``) altogether; takes effect at once."""
        with self.store.transaction() as tx:
            return tx.remove_directory_listings(actor.id, credential_id)

    def my_directory_listings(self, actor: Actor) -> list[DirectoryListing]:
        with self.store.transaction() as tx:
            return tx.list_directory_listings(person_id=actor.id)

    def directory(
        self,
        actor: Actor,
        *,
        credential_id: str | None = None,
        framework: str = "",
        code: str = "",
    ) -> list[DirectoryEntry]:
        """Holders who opted in, of one credential, or of the credentials aligned
        to a framework (name contains ``framework``) and/or ``code``; by name."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            definitions = {c.id: c for c in tx.list_credentials()}
            stacks = {s.id: s for s in tx.list_stacks()}
            names = {
                **{i: c.name for i, c in definitions.items()},
                **{i: s.name for i, s in stacks.items()},
            }
            if credential_id is not None:
                self._definition_name(tx, credential_id)
                ids = [credential_id]
            elif framework or code:
                ids = [
                    i for i, c in definitions.items() if matches_filters(c, (), framework, code)
                ] + [i for i, s in stacks.items() if _stack_aligned(s, framework, code)]
            else:
                ids = list(names)
            if not ids:
                return []
            awards = [a for a in tx.list_listed_awards(ids) if a.is_active(now)]
            listings = [
                x
                for person in {a.learner_id for a in awards}
                for x in tx.list_directory_listings(person_id=person)
            ]
            people = {p.id: p.name for p in tx.list_people([a.learner_id for a in awards])}
            return directory_entries(
                [award_fact(a) for a in awards], listings, people=people, names=names
            )

    def ask_for_mentoring(
        self, actor: Actor, holder_id: str, credential_id: str, message: str
    ) -> None:
        """Send a listed holder a mentoring request with the actor's message (once a day).

        Raises:
            NotFound: the holder is not listed for this credential (the same
                whether they hold it or not).
            Conflict: the actor asked them about it today already.
        """
        message = message.strip()
        if not message:
            raise ValidationError("Write a few words about what you would like help with.")
        if len(message) > MAX_MENTORING_MESSAGE:
            raise ValidationError(
                f"The message may be at most {MAX_MENTORING_MESSAGE} characters "
                f"(got {len(message)})."
            )
        if holder_id == actor.id:
            raise ValidationError("You cannot ask yourself for mentoring.")
        now = self.clock.now()
        with self.store.transaction() as tx:
            name = self._definition_name(tx, credential_id)
            listed = is_listed(
                tx.list_directory_listings(person_id=holder_id), holder_id, credential_id
            )
            holds = any(
                a.learner_id == holder_id and a.is_active(now)
                for a in tx.list_listed_awards([credential_id])
            )
            if not (listed and holds):
                raise NotFound(f"Nobody by that id is listed in the directory for {excerpt(name)}.")
            tx.put_person(Person(id=actor.id, name=actor.name, email=actor.email))
            asker = actor.name or self._name(tx, actor.id)
            sent = self._notify(
                tx,
                holder_id,
                NotificationKind.MENTORING_REQUEST,
                f"{asker} asks you for mentoring on {name!r}",
                body=message,
                link={"credential_id": credential_id, "from_person_id": actor.id},
                key=f"mentoring:{credential_id}:{actor.id}:{now.date().isoformat()}",
            )
            if sent is None:
                raise Conflict(f"You asked them about {name!r} today already.")


def _stack_aligned(stack: object, framework: str, code: str) -> bool:
    alignments = getattr(stack, "alignments", ())
    return any(
        (not framework or framework.lower() in a.framework.lower())
        and (not code or code.lower() == a.code.lower())
        for a in alignments
    )
