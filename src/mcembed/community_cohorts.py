"""Community use cases: cohorts, their members, checkpoints, meetings, notes,
board, coaching list, reminders and showcase."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from . import access
from .access import Actor
from .boards import (
    Board,
    BoardRow,
    CoachingNeed,
    Reminder,
    ReminderBatch,
    coaching_needs,
    progress_board,
    reminder_batches,
    reminder_schedule,
    reminders_due,
)
from .charts import board_chart_svg
from .cohorts import (
    Checkpoint,
    Cohort,
    CohortMember,
    Meeting,
    MeetingKind,
    MemberNote,
    MemberStatus,
    Step,
)
from .community_inbox import InboxUseCases
from .errors import (
    AlreadyDecided,
    NotFound,
    PermissionDenied,
    ValidationError,
    did_you_mean,
    excerpt,
)
from .notifications import Notification, NotificationKind
from .people import Person
from .portfolio import PublicEntry, public_entry
from .storage.base import AwardFilter, Transaction
from .storage.community_base import FactFilter

__all__ = ["BoardOverview", "CohortUseCases", "CohortView", "Showcase", "ShowcaseMember"]

T = TypeVar("T")


def _valid(build: Callable[[], T]) -> T:
    """Run a value's constructor; its ``ValueError`` becomes a ``ValidationError``."""
    try:
        return build()
    except ValidationError:
        raise
    except ValueError as e:
        raise ValidationError(str(e)) from None


def _enum(kind: type[T], value: object, what: str) -> T:
    try:
        return kind(value)  # type: ignore[call-arg]
    except ValueError:
        allowed = [str(getattr(v, "value", v)) for v in kind]  # type: ignore[attr-defined]
        raise ValidationError(
            f"{what} must be one of {', '.join(allowed)} (got {excerpt(value)})"
            f"{did_you_mean(str(value), allowed)}"
        ) from None


@dataclass(frozen=True, slots=True, kw_only=True)
class CohortView:
    """A cohort with its members, as the actor may see it."""

    cohort: Cohort
    members: tuple[CohortMember, ...]
    me: CohortMember | None = None
    can_manage: bool = False


def _unsent(tx: Transaction, reminders: list[Reminder]) -> list[Reminder]:
    """The reminders whose notification is not in their member's inbox yet."""
    sent = tx.find_notification_keys(
        [r.person_id for r in reminders], list({r.key for r in reminders})
    )
    return [r for r in reminders if (r.person_id, r.key) not in sent]


@dataclass(frozen=True, slots=True, kw_only=True)
class BoardOverview:
    """What a facilitator's board page shows, from one reading of the facts.

    ``due``: the reminders to send now, not sent yet (``send_reminders``);
    ``sent``: how many of those due now were sent already (each goes once);
    ``batches``: the whole schedule by checkpoint, with how many it reaches.
    """

    board: Board
    coaching: tuple[CoachingNeed, ...]
    due: tuple[Reminder, ...]
    sent: int = 0
    batches: tuple[ReminderBatch, ...]

    @property
    def upcoming(self) -> tuple[ReminderBatch, ...]:
        """The batches still to come, soonest first."""
        return tuple(b for b in self.batches if b.send_at > self.board.now)


@dataclass(frozen=True, slots=True, kw_only=True)
class ShowcaseMember:
    person_id: str
    name: str
    earned: tuple[PublicEntry, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Showcase:
    """What each member earned, with the evidence they chose to share."""

    cohort: Cohort
    members: tuple[ShowcaseMember, ...]


class CohortUseCases(InboxUseCases):
    # --- loading and checking -------------------------------------------------------

    def _cohort(self, tx: Transaction, actor: Actor, cohort_id: str) -> Cohort:
        cohort = tx.find_cohort(cohort_id)
        if cohort is None:
            raise NotFound(f"No cohort {excerpt(cohort_id)}.")
        access.require_see_cohort(actor, cohort, tx.find_cohort_member(cohort_id, actor.id))
        return cohort

    def _managed(self, tx: Transaction, actor: Actor, cohort_id: str) -> Cohort:
        cohort = self._cohort(tx, actor, cohort_id)
        access.require_manage_cohort(actor, cohort)
        return cohort

    def _save(self, tx: Transaction, cohort: Cohort, expected: int | None) -> Cohort:
        if expected is not None and expected != cohort.revision:
            raise AlreadyDecided(
                f"Cohort {cohort.name!r} changed since you opened it; reload it to see the latest."
            )
        return tx.update_cohort(cohort, cohort.revision)

    def _targets(
        self, tx: Transaction, credential_ids: Sequence[str], stack_id: str | None
    ) -> tuple[str, ...]:
        known = [c.id for c in tx.list_credentials()]
        out: list[str] = []
        if stack_id:
            stack = tx.find_stack(stack_id)
            if stack is None:
                names = [s.id for s in tx.list_stacks()]
                raise NotFound(f"No stack {excerpt(stack_id)}{did_you_mean(stack_id, names)}.")
            out += stack.members
        for cid in credential_ids:
            if tx.find_credential(cid) is None:
                raise NotFound(f"No credential {excerpt(cid)}{did_you_mean(cid, known)}.")
            if cid not in out:
                out.append(cid)
        if not out:
            raise ValidationError("A cohort pursues at least one credential or a stack.")
        return tuple(out)

    # --- cohorts ------------------------------------------------------------------

    def create_cohort(
        self,
        actor: Actor,
        *,
        name: str,
        credential_ids: Sequence[str] = (),
        stack_id: str | None = None,
        facilitators: Sequence[str] = (),
        description: str = "",
        stuck_days: int = 7,
        idle_days: int = 14,
        remind_days_before: int = 3,
    ) -> Cohort:
        """A new cohort in the actor's course (instructors and administrators).

        Args:
            credential_ids: the credentials pursued; with ``stack_id``, added to
                the stack's.
            facilitators: person ids (default: the actor).
        """
        access.require_cohort_creator(actor, actor.course_id)
        with self.store.transaction() as tx:
            targets = self._targets(tx, credential_ids, stack_id)
            cohort = _valid(
                lambda: Cohort(
                    id=self.ids.new("coh"),
                    course_id=actor.course_id,
                    name=name.strip(),
                    description=description.strip(),
                    facilitators=tuple(dict.fromkeys(facilitators or (actor.id,))),
                    credential_ids=targets,
                    stack_id=stack_id or None,
                    stuck_days=stuck_days,
                    idle_days=idle_days,
                    remind_days_before=remind_days_before,
                    created_at=self.clock.now(),
                    created_by=actor.id,
                )
            )
            tx.put_person(Person(id=actor.id, name=actor.name, email=actor.email))
            tx.add_cohort(cohort)
            return cohort

    def update_cohort(
        self,
        actor: Actor,
        cohort_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        facilitators: Sequence[str] | None = None,
        stuck_days: int | None = None,
        idle_days: int | None = None,
        remind_days_before: int | None = None,
        expected_revision: int | None = None,
    ) -> Cohort:
        """Change a cohort's name, description, facilitators or thresholds."""
        changes: dict[str, object] = {}
        if name is not None:
            changes["name"] = name.strip()
        if description is not None:
            changes["description"] = description.strip()
        if facilitators is not None:
            changes["facilitators"] = tuple(dict.fromkeys(facilitators))
        for key, value in (
            ("stuck_days", stuck_days),
            ("idle_days", idle_days),
            ("remind_days_before", remind_days_before),
        ):
            if value is not None:
                changes[key] = value
        with self.store.transaction() as tx:
            cohort = self._managed(tx, actor, cohort_id)
            updated = _valid(lambda: replace(cohort, **changes))  # type: ignore[arg-type]
            return self._save(tx, updated, expected_revision)

    def get_cohort(self, actor: Actor, cohort_id: str) -> CohortView:
        """A cohort, its members (everyone who manages it sees invitations and
        departures too; members see the active members) and the actor's place."""
        with self.store.transaction() as tx:
            cohort = self._cohort(tx, actor, cohort_id)
            members = tx.list_cohort_members(cohort_id)
            manage = access.can_manage_cohort(actor, cohort)
            if not manage:
                members = [m for m in members if m.status is MemberStatus.ACTIVE]
            return CohortView(
                cohort=cohort,
                members=tuple(members),
                me=tx.find_cohort_member(cohort_id, actor.id),
                can_manage=manage,
            )

    def list_cohorts(self, actor: Actor, *, course_id: str | None = None) -> list[Cohort]:
        """The cohorts the actor may see: all of their course for its instructors
        (every course's for administrators, or ``course_id``'s), otherwise those
        they facilitate or belong to."""
        with self.store.transaction() as tx:
            if actor.is_admin:
                return tx.list_cohorts(course_id=course_id)
            if course_id not in (None, actor.course_id):
                raise PermissionDenied("You can list the cohorts of your own course only.")
            if access.Role.INSTRUCTOR in actor.roles:
                return tx.list_cohorts(course_id=actor.course_id)
            return tx.list_cohorts(course_id=actor.course_id, person_id=actor.id)

    # --- members ------------------------------------------------------------------

    def _people(self, tx: Transaction, people: Iterable[Person | str]) -> list[Person]:
        out: list[Person] = []
        unknown: list[str] = []
        for p in people:
            if isinstance(p, Person):
                if not p.id.strip():
                    raise ValidationError("A member needs an id.")
                tx.put_person(p)
                out.append(p)
            else:
                found = tx.find_person(p)
                if found is None:
                    unknown.append(p)
                else:
                    out.append(found)
        if unknown:
            raise NotFound(
                f"No person {', '.join(repr(u) for u in unknown)} is known here; add people "
                "from the course roster (with their names), or ask them to open the tool once."
            )
        return list({p.id: p for p in out}.values())

    def add_members(
        self, actor: Actor, cohort_id: str, people: Iterable[Person | str]
    ) -> list[CohortMember]:
        """Add people (from the course roster: ``Person`` values, or ids of people
        known here) as active members. Safe to repeat; someone who left is back."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            cohort = self._managed(tx, actor, cohort_id)
            out = []
            for person in self._people(tx, people):
                held = tx.find_cohort_member(cohort.id, person.id)
                member = CohortMember(
                    cohort_id=cohort.id,
                    person_id=person.id,
                    name=person.name,
                    status=MemberStatus.ACTIVE,
                    invited=False,
                    added_at=held.added_at if held else now,
                    added_by=held.added_by if held else actor.id,
                )
                if held != member:
                    tx.put_cohort_member(member)
                out.append(member)
            return out

    def invite_members(
        self, actor: Actor, cohort_id: str, people: Iterable[Person | str]
    ) -> list[CohortMember]:
        """Invite people; each gets a notification and joins with ``join_cohort``.
        Active members stay as they are."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            cohort = self._managed(tx, actor, cohort_id)
            out = []
            for person in self._people(tx, people):
                held = tx.find_cohort_member(cohort.id, person.id)
                if held is not None and held.status is MemberStatus.ACTIVE:
                    out.append(held)
                    continue
                member = CohortMember(
                    cohort_id=cohort.id,
                    person_id=person.id,
                    name=person.name,
                    status=MemberStatus.INVITED,
                    invited=True,
                    added_at=now,
                    added_by=actor.id,
                )
                tx.put_cohort_member(member)
                self._notify(
                    tx,
                    person.id,
                    NotificationKind.COHORT_INVITATION,
                    f"You are invited to join the cohort {cohort.name!r}",
                    body=cohort.description,
                    link={"cohort_id": cohort.id},
                    key=f"cohort:{cohort.id}:invitation:{now.isoformat()}",
                )
                out.append(member)
            return out

    def join_cohort(self, actor: Actor, cohort_id: str) -> CohortMember:
        """Accept an invitation (joining again as an active member changes nothing)."""
        with self.store.transaction() as tx:
            self._cohort(tx, actor, cohort_id)
            member = tx.find_cohort_member(cohort_id, actor.id)
            if member is None or member.status is MemberStatus.LEFT:
                raise PermissionDenied("You can join this cohort once you are invited.")
            if member.status is MemberStatus.ACTIVE:
                return member
            joined = replace(member, status=MemberStatus.ACTIVE, name=actor.name or member.name)
            tx.put_cohort_member(joined)
            return joined

    def leave_cohort(self, actor: Actor, cohort_id: str) -> CohortMember:
        """Leave a cohort (or decline its invitation)."""
        with self.store.transaction() as tx:
            self._cohort(tx, actor, cohort_id)
            member = tx.find_cohort_member(cohort_id, actor.id)
            if member is None:
                raise NotFound("You are not a member of this cohort.")
            left = replace(member, status=MemberStatus.LEFT)
            tx.put_cohort_member(left)
            return left

    def remove_member(self, actor: Actor, cohort_id: str, person_id: str) -> CohortMember:
        with self.store.transaction() as tx:
            self._managed(tx, actor, cohort_id)
            member = tx.find_cohort_member(cohort_id, person_id)
            if member is None:
                raise NotFound(f"{excerpt(person_id)} is not a member of this cohort.")
            left = replace(member, status=MemberStatus.LEFT)
            tx.put_cohort_member(left)
            return left

    # --- checkpoints and meetings ---------------------------------------------------

    def add_checkpoint(
        self,
        actor: Actor,
        cohort_id: str,
        *,
        title: str,
        due_at: datetime,
        credential_id: str,
        step: Step | str,
        expected_revision: int | None = None,
    ) -> Cohort:
        """Add a checkpoint: by ``due_at``, ``step`` done for ``credential_id``."""
        chosen = _enum(Step, step, "step")
        with self.store.transaction() as tx:
            cohort = self._managed(tx, actor, cohort_id)
            checkpoint = _valid(
                lambda: Checkpoint(
                    id=self.ids.new("chk"),
                    title=title.strip(),
                    due_at=due_at,
                    credential_id=credential_id,
                    step=chosen,
                )
            )
            updated = _valid(lambda: cohort.with_checkpoint(checkpoint))
            return self._save(tx, updated, expected_revision)

    def remove_checkpoint(self, actor: Actor, cohort_id: str, checkpoint_id: str) -> Cohort:
        with self.store.transaction() as tx:
            cohort = self._managed(tx, actor, cohort_id)
            cohort.checkpoint(checkpoint_id)
            kept = tuple(c for c in cohort.checkpoints if c.id != checkpoint_id)
            return self._save(tx, replace(cohort, checkpoints=kept), None)

    def add_meeting(
        self,
        actor: Actor,
        cohort_id: str,
        *,
        kind: MeetingKind | str,
        title: str,
        at: datetime,
        agenda: str = "",
        place: str = "",
    ) -> Cohort:
        """Add a meeting (orientation, coaching, brainstorm or showcase)."""
        chosen = _enum(MeetingKind, kind, "kind")
        with self.store.transaction() as tx:
            cohort = self._managed(tx, actor, cohort_id)
            meeting = _valid(
                lambda: Meeting(
                    id=self.ids.new("mtg"),
                    kind=chosen,
                    title=title.strip(),
                    at=at,
                    agenda=agenda.strip(),
                    place=place.strip(),
                )
            )
            return self._save(tx, cohort.with_meeting(meeting), None)

    def update_meeting(
        self,
        actor: Actor,
        cohort_id: str,
        meeting_id: str,
        *,
        title: str | None = None,
        at: datetime | None = None,
        agenda: str | None = None,
        notes: str | None = None,
        place: str | None = None,
        expected_revision: int | None = None,
    ) -> Cohort:
        """Change a meeting: its time, agenda, or (afterwards) its notes."""
        changes = {
            k: v.strip() if isinstance(v, str) else v
            for k, v in (
                ("title", title),
                ("at", at),
                ("agenda", agenda),
                ("notes", notes),
                ("place", place),
            )
            if v is not None
        }
        with self.store.transaction() as tx:
            cohort = self._managed(tx, actor, cohort_id)
            meeting = cohort.meeting(meeting_id)
            changed = _valid(lambda: replace(meeting, **changes))  # type: ignore[arg-type]
            return self._save(tx, cohort.with_meeting(changed), expected_revision)

    def remove_meeting(self, actor: Actor, cohort_id: str, meeting_id: str) -> Cohort:
        with self.store.transaction() as tx:
            cohort = self._managed(tx, actor, cohort_id)
            cohort.meeting(meeting_id)
            kept = tuple(m for m in cohort.meetings if m.id != meeting_id)
            return self._save(tx, replace(cohort, meetings=kept), None)

    # --- facilitator notes ----------------------------------------------------------

    def add_member_note(
        self, actor: Actor, cohort_id: str, member_id: str, text: str
    ) -> MemberNote:
        """A note on a member that only the cohort's facilitators will read."""
        with self.store.transaction() as tx:
            cohort = self._cohort(tx, actor, cohort_id)
            access.require_member_notes(actor, cohort)
            if tx.find_cohort_member(cohort_id, member_id) is None:
                raise NotFound(f"{excerpt(member_id)} is not a member of this cohort.")
            note = _valid(
                lambda: MemberNote(
                    id=self.ids.new("note"),
                    cohort_id=cohort_id,
                    member_id=member_id,
                    author_id=actor.id,
                    text=text.strip(),
                    created_at=self.clock.now(),
                )
            )
            tx.add_member_note(note)
            return note

    def member_notes(
        self, actor: Actor, cohort_id: str, member_id: str | None = None
    ) -> list[MemberNote]:
        """Facilitators' notes (on one member, or all), oldest first."""
        with self.store.transaction() as tx:
            cohort = self._cohort(tx, actor, cohort_id)
            access.require_member_notes(actor, cohort)
            return tx.list_member_notes(cohort_id, member_id)

    # --- progress -------------------------------------------------------------------

    def _board(self, tx: Transaction, cohort: Cohort) -> tuple[Board, FactFilter]:
        members = tx.list_cohort_members(cohort.id)
        active = tuple(m.person_id for m in members if m.status is MemberStatus.ACTIVE)
        where = FactFilter(
            course_id=cohort.course_id, learner_ids=active, credential_ids=cohort.targets
        )
        board = progress_board(
            cohort,
            members,
            tx.list_submission_facts(where),
            tx.list_award_facts(where),
            self.clock.now(),
        )
        return board, where

    def progress_board(self, actor: Actor, cohort_id: str) -> Board:
        """Members × checkpoints: done, on track, late or not started (those who
        manage the cohort)."""
        with self.store.transaction() as tx:
            cohort = self._managed(tx, actor, cohort_id)
            return self._board(tx, cohort)[0]

    def board_chart(self, actor: Actor, cohort_id: str, *, width: int = 760) -> str:
        """The board as an accessible SVG chart (text) for a page to embed."""
        return board_chart_svg(self.progress_board(actor, cohort_id), width=width)

    def my_progress(self, actor: Actor, cohort_id: str) -> BoardRow:
        """The actor's own row of the board (active members)."""
        with self.store.transaction() as tx:
            cohort = self._cohort(tx, actor, cohort_id)
            board = self._board(tx, cohort)[0]
        row = board.row(actor.id)
        if row is None:
            raise NotFound("You are not an active member of this cohort.")
        return row

    def coaching_list(self, actor: Actor, cohort_id: str) -> list[CoachingNeed]:
        """Who needs a coaching visit, and why (those who manage the cohort)."""
        with self.store.transaction() as tx:
            cohort = self._managed(tx, actor, cohort_id)
            board, where = self._board(tx, cohort)
            names = {c.id: c.name for c in tx.list_credentials()}
            return coaching_needs(board, tx.list_submission_facts(where), names=names)

    def board_overview(self, actor: Actor, cohort_id: str) -> BoardOverview:
        """The board, who needs a coaching visit and the reminders, at once
        (those who manage the cohort): what the board page shows."""
        with self.store.transaction() as tx:
            cohort = self._managed(tx, actor, cohort_id)
            members = tx.list_cohort_members(cohort.id)
            active = tuple(m.person_id for m in members if m.status is MemberStatus.ACTIVE)
            where = FactFilter(
                course_id=cohort.course_id, learner_ids=active, credential_ids=cohort.targets
            )
            facts = tx.list_submission_facts(where)
            board = progress_board(
                cohort, members, facts, tx.list_award_facts(where), self.clock.now()
            )
            names = {c.id: c.name for c in tx.list_credentials()}
            due = reminders_due(board)
            unsent = _unsent(tx, due)
        return BoardOverview(
            board=board,
            coaching=tuple(coaching_needs(board, facts, names=names)),
            due=tuple(unsent),
            sent=len(due) - len(unsent),
            batches=tuple(reminder_batches(board)),
        )

    def reminders(self, actor: Actor, cohort_id: str) -> list[Reminder]:
        """Every reminder the board calls for, sent or due or to come."""
        with self.store.transaction() as tx:
            cohort = self._managed(tx, actor, cohort_id)
            return reminder_schedule(self._board(tx, cohort)[0])

    def send_reminders(
        self, actor: Actor, cohort_id: str | None = None, *, dry_run: bool = False
    ) -> list[Notification]:
        """Put the reminders due now in the members' inboxes, each once.

        Args:
            cohort_id: one cohort (those who manage it); ``None``: every cohort
                (administrators: the scheduled job runs as ``Actor.system()``).
            dry_run: write nothing; return what would be sent now.
        """
        if cohort_id is None:
            access.require_admin(actor)
            with self.store.transaction() as tx:
                ids = [c.id for c in tx.list_cohorts()]
            return [n for cid in ids for n in self.send_reminders(actor, cid, dry_run=dry_run)]
        with self.store.transaction() as tx:
            cohort = self._managed(tx, actor, cohort_id)
            sent = []
            for r in _unsent(tx, reminders_due(self._board(tx, cohort)[0])):
                n = self._notify(
                    tx,
                    r.person_id,
                    NotificationKind.REMINDER,
                    r.title,
                    body=r.body,
                    link={"cohort_id": cohort.id, "checkpoint_id": r.checkpoint_id},
                    key=r.key,
                    save=not dry_run,
                )
                if n is not None:
                    sent.append(n)
            return sent

    # --- showcase -------------------------------------------------------------------

    def showcase(self, actor: Actor, cohort_id: str) -> Showcase:
        """What each active member earned toward the cohort's credentials, with
        the evidence they chose to share (nothing, unless they chose)."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            cohort = self._cohort(tx, actor, cohort_id)
            targets = set(cohort.targets)
            out = []
            for m in tx.list_cohort_members(cohort.id):
                if m.status is not MemberStatus.ACTIVE:
                    continue
                earned = []
                awards = tx.list_awards(
                    AwardFilter(course_id=cohort.course_id, learner_id=m.person_id)
                ).items
                for award in sorted(awards, key=lambda a: (a.issued_at, a.id)):
                    if award.credential_id not in targets or not award.is_active(now):
                        continue
                    definition = tx.find_credential(
                        award.credential_id, award.credential_version
                    ) or tx.find_stack(award.credential_id, award.credential_version)
                    if definition is None:  # pragma: no cover - versions are kept
                        continue
                    submission = (
                        tx.find_submission(award.submission_id) if award.submission_id else None
                    )
                    share = tx.find_evidence_share(award.id)
                    earned.append(public_entry(award, definition, submission, share, now))
                if earned:
                    out.append(
                        ShowcaseMember(
                            person_id=m.person_id, name=m.display_name, earned=tuple(earned)
                        )
                    )
            return Showcase(cohort=cohort, members=tuple(out))
