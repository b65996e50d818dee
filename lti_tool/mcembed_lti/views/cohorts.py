"""Cohort pages: the list, a cohort (members, checkpoints, meetings, notes),
its progress board with the chart, the coaching list, reminders and the
showcase. Every call goes to ``Community`` with the launch's ``Actor``; the
core decides who may see or change what."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request
from markupsafe import Markup, escape

from mcembed import NotFound, PermissionDenied, Person, ValidationError
from mcembed.access import can_read_member_notes, require_cohort_creator
from mcembed.boards import CellStatus, format_day
from mcembed.charts import board_chart_svg
from mcembed.cohorts import MeetingKind, MemberStatus, Step

from ..forms import community, form_int, form_list, moment, revision
from ..pages import current_launch, launched, lurl, service
from .review import _sync as sync_roster

bp = Blueprint("cohorts", __name__, url_prefix="/community/cohorts")

NOTICES = {
    "created": "Cohort created. Add its members, checkpoints and meetings below.",
    "members": "Members updated.",
    "invited": "Invitations sent: each person sees theirs on their page and joins from there.",
    "removed": "The member has left the cohort.",
    "checkpoint": "Checkpoint saved.",
    "meeting": "Meeting saved.",
    "note": "Note kept (only the facilitators read it).",
    "joined": "You joined the cohort.",
    "left": "You left the cohort.",
    "synced": "Roster refreshed from the LMS.",
    "recommended": "Recommended to every active member.",
}

REMINDERS_WHERE = (
    "Reminders appear on each member's page in this tool (My page → Notifications). "
    "LTI gives tools no way to send messages through your LMS, so nothing is sent by "
    "LMS message or e-mail."
)


# a board has members × checkpoints cells: each label is made once, not per cell
CELL_LABELS = {
    status: Markup(
        f'<span class="state state-{status.value}">{symbol} {escape(status.words)}</span>'
    )
    for status, symbol in zip(
        (CellStatus.DONE, CellStatus.ON_TRACK, CellStatus.NOT_STARTED, CellStatus.LATE),
        "✓→○!",
        strict=True,
    )
}


def _board_rows(board: Any) -> Markup:
    """The table's body, members × checkpoints: made here rather than cell by
    cell in the template, since a cohort of 500 has 5,000 cells."""
    late = Markup(' <span class="small">(late)</span>')
    out = []
    for row in board.rows:
        cells = "".join(
            f"<td>{CELL_LABELS[c.status]}{late if c.done_late else ''}</td>" for c in row.cells
        )
        out.append(f'<tr><th scope="row">{escape(row.member.display_name)}</th>{cells}</tr>')
    return Markup("\n".join(out))


def _notice() -> str:
    sent = request.args.get("sent", "")
    if sent.isdigit():
        n = int(sent)
        return f"{n} reminder{'' if n == 1 else 's'} put on members' pages."
    return NOTICES.get(request.args.get("notice", ""), "")


def _names() -> dict[str, str]:
    return {c.id: c.name for c in service().list_credentials()} | {
        s.id: s.name for s in service().list_stacks()
    }


@bp.route("/")
@launched
def index() -> Any:
    """The cohorts the actor may see; instructors also get the form to make one."""
    actor = current_launch().actor
    try:
        require_cohort_creator(actor, actor.course_id)
        can_create = True
    except PermissionDenied:
        can_create = False
    return render_template(
        "community/cohorts.html",
        cohorts=community().list_cohorts(actor),
        can_create=can_create,
        credentials=service().list_credentials() if can_create else [],
        stacks=service().list_stacks() if can_create else [],
        notice=_notice(),
        posted={},
        chosen=[],
        errors=[],
    )


@bp.route("/", methods=["POST"])
@launched
def create() -> Any:
    actor = current_launch().actor
    try:
        cohort = community().create_cohort(
            actor,
            name=request.form.get("name", ""),
            description=request.form.get("description", ""),
            credential_ids=form_list("credential"),
            stack_id=request.form.get("stack", "") or None,
            stuck_days=form_int("stuck_days", 7),
            idle_days=form_int("idle_days", 14),
            remind_days_before=form_int("remind_days_before", 3),
        )
    except (ValidationError, NotFound) as e:
        return render_template(
            "community/cohorts.html",
            cohorts=community().list_cohorts(actor),
            can_create=True,
            credentials=service().list_credentials(),
            stacks=service().list_stacks(),
            notice="",
            posted=request.form,
            chosen=form_list("credential"),
            errors=[str(e)],
        ), 400
    return redirect(lurl("cohorts.cohort", cohort_id=cohort.id, notice="created"), code=303)


@bp.route("/<cohort_id>")
@launched
def cohort(cohort_id: str) -> Any:
    """A cohort: what it pursues, its meetings and checkpoints; for those who
    manage it the forms to change them, its members and (facilitators) notes."""
    actor = current_launch().actor
    view = community().get_cohort(actor, cohort_id)
    c = view.cohort
    notes: list[Any] = []
    people: list[Person] = []
    if view.can_manage:
        if can_read_member_notes(actor, c):
            notes = community().member_notes(actor, cohort_id)
        members = {m.person_id for m in view.members if m.status is not MemberStatus.LEFT}
        people = [p for p in community().course_people(actor) if p.id not in members]
    mine = None
    if view.me is not None and view.me.status is MemberStatus.ACTIVE:
        mine = community().my_progress(actor, cohort_id)
    return render_template(
        "community/cohort.html",
        view=view,
        cohort=c,
        names=_names(),
        notes=notes,
        people=people,
        mine=mine,
        can_notes=view.can_manage and can_read_member_notes(actor, c),
        has_nrps=bool(current_launch().nrps_url),
        steps=list(Step),
        kinds=list(MeetingKind),
        format_day=format_day,
        notice=_notice(),
        MemberStatus=MemberStatus,
    )


@bp.route("/<cohort_id>/board")
@launched
def board(cohort_id: str) -> Any:
    """Members × checkpoints with the chart, who needs a coaching visit, reminders."""
    overview = community().board_overview(current_launch().actor, cohort_id)
    b = overview.board
    return render_template(
        "community/board.html",
        board=b,
        cohort=b.cohort,
        chart=board_chart_svg(b),
        coaching=overview.coaching,
        due=overview.due,
        sent=overview.sent,
        upcoming=overview.upcoming,
        names={r.member.person_id: r.member.display_name for r in b.rows},
        table_rows=_board_rows(b),
        format_day=format_day,
        reminders_where=REMINDERS_WHERE,
        notice=_notice(),
    )


@bp.route("/<cohort_id>/members", methods=["POST"])
@launched
def members(cohort_id: str) -> Any:
    """Add people from the course roster as members, or invite them."""
    actor = current_launch().actor
    chosen = form_list("person")
    if not chosen:
        raise ValidationError("Choose at least one person from the course roster.")
    if request.form.get("action") == "invite":
        community().invite_members(actor, cohort_id, chosen)
        notice = "invited"
    else:
        community().add_members(actor, cohort_id, chosen)
        notice = "members"
    return redirect(lurl("cohorts.cohort", cohort_id=cohort_id, notice=notice), code=303)


@bp.route("/<cohort_id>/roster", methods=["POST"])
@launched
def roster(cohort_id: str) -> Any:
    """Read the course roster from the LMS again (Names and Role Provisioning)."""
    if not community().get_cohort(current_launch().actor, cohort_id).can_manage:
        raise PermissionDenied("Only those who manage this cohort refresh its roster.")
    warning = sync_roster(force=True)
    if warning:
        raise ValidationError(warning)
    return redirect(lurl("cohorts.cohort", cohort_id=cohort_id, notice="synced"), code=303)


@bp.route("/<cohort_id>/members/<person_id>/remove", methods=["POST"])
@launched
def remove_member(cohort_id: str, person_id: str) -> Any:
    community().remove_member(current_launch().actor, cohort_id, person_id)
    return redirect(lurl("cohorts.cohort", cohort_id=cohort_id, notice="removed"), code=303)


@bp.route("/<cohort_id>/checkpoints", methods=["POST"])
@launched
def add_checkpoint(cohort_id: str) -> Any:
    community().add_checkpoint(
        current_launch().actor,
        cohort_id,
        title=request.form.get("title", ""),
        due_at=moment(request.form.get("due_at", ""), "due date"),  # type: ignore[arg-type]
        credential_id=request.form.get("credential", ""),
        step=request.form.get("step", ""),
        expected_revision=revision(),
    )
    return redirect(lurl("cohorts.cohort", cohort_id=cohort_id, notice="checkpoint"), code=303)


@bp.route("/<cohort_id>/checkpoints/<checkpoint_id>/remove", methods=["POST"])
@launched
def remove_checkpoint(cohort_id: str, checkpoint_id: str) -> Any:
    community().remove_checkpoint(current_launch().actor, cohort_id, checkpoint_id)
    return redirect(lurl("cohorts.cohort", cohort_id=cohort_id, notice="checkpoint"), code=303)


@bp.route("/<cohort_id>/meetings", methods=["POST"])
@launched
def add_meeting(cohort_id: str) -> Any:
    community().add_meeting(
        current_launch().actor,
        cohort_id,
        kind=request.form.get("kind", ""),
        title=request.form.get("title", ""),
        at=moment(request.form.get("at", ""), "meeting time"),  # type: ignore[arg-type]
        agenda=request.form.get("agenda", ""),
        place=request.form.get("place", ""),
    )
    return redirect(lurl("cohorts.cohort", cohort_id=cohort_id, notice="meeting"), code=303)


@bp.route("/<cohort_id>/meetings/<meeting_id>", methods=["POST"])
@launched
def update_meeting(cohort_id: str, meeting_id: str) -> Any:
    """Change a meeting's agenda, or write its notes afterwards."""
    community().update_meeting(
        current_launch().actor,
        cohort_id,
        meeting_id,
        agenda=request.form.get("agenda"),
        notes=request.form.get("notes"),
        expected_revision=revision(),
    )
    return redirect(lurl("cohorts.cohort", cohort_id=cohort_id, notice="meeting"), code=303)


@bp.route("/<cohort_id>/meetings/<meeting_id>/remove", methods=["POST"])
@launched
def remove_meeting(cohort_id: str, meeting_id: str) -> Any:
    community().remove_meeting(current_launch().actor, cohort_id, meeting_id)
    return redirect(lurl("cohorts.cohort", cohort_id=cohort_id, notice="meeting"), code=303)


@bp.route("/<cohort_id>/notes", methods=["POST"])
@launched
def add_note(cohort_id: str) -> Any:
    community().add_member_note(
        current_launch().actor,
        cohort_id,
        request.form.get("member", ""),
        request.form.get("text", ""),
    )
    return redirect(lurl("cohorts.cohort", cohort_id=cohort_id, notice="note"), code=303)


@bp.route("/<cohort_id>/reminders", methods=["POST"])
@launched
def send_reminders(cohort_id: str) -> Any:
    sent = community().send_reminders(current_launch().actor, cohort_id)
    return redirect(lurl("cohorts.board", cohort_id=cohort_id, sent=len(sent)), code=303)


@bp.route("/<cohort_id>/recommend", methods=["POST"])
@launched
def recommend(cohort_id: str) -> Any:
    community().recommend_to_cohort(
        current_launch().actor,
        cohort_id,
        request.form.get("credential", ""),
        note=request.form.get("note", ""),
    )
    return redirect(lurl("cohorts.cohort", cohort_id=cohort_id, notice="recommended"), code=303)


@bp.route("/<cohort_id>/join", methods=["POST"])
@launched
def join(cohort_id: str) -> Any:
    community().join_cohort(current_launch().actor, cohort_id)
    return redirect(lurl("cohorts.cohort", cohort_id=cohort_id, notice="joined"), code=303)


@bp.route("/<cohort_id>/leave", methods=["POST"])
@launched
def leave(cohort_id: str) -> Any:
    community().leave_cohort(current_launch().actor, cohort_id)
    return redirect(lurl("cohorts.index", notice="left"), code=303)


@bp.route("/<cohort_id>/showcase")
@launched
def showcase(cohort_id: str) -> Any:
    """What each member earned, with only the evidence they chose to share."""
    return render_template(
        "community/showcase.html",
        showcase=community().showcase(current_launch().actor, cohort_id),
        format_day=format_day,
        file_url=lambda award_id, sha256: lurl(
            "cohorts.showcase_file", cohort_id=cohort_id, award_id=award_id, sha256=sha256
        ),
    )


@bp.route("/<cohort_id>/showcase/files/<award_id>/<sha256>")
@launched
def showcase_file(cohort_id: str, award_id: str, sha256: str) -> Any:
    data = community().read_showcase_file(current_launch().actor, cohort_id, award_id, sha256)
    return Response(
        data,
        mimetype="application/octet-stream",
        headers={"Content-Disposition": "attachment", "Cache-Control": "private, no-store"},
    )
