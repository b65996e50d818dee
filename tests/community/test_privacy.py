"""Privacy, on every store: an anonymous sender never leaks through any read
path or export; the directory lists nobody who has not opted in; a revoked
share link is dead; small groups are suppressed."""

from __future__ import annotations

import io
import zipfile

import pytest

from community_world import ADMIN, COACH, INSTRUCTOR, STACK_ID, World, learner
from mcembed import NotFound
from mcembed.codec import to_data

SENDER = learner(7)
RECIPIENT = learner(1)


def everything_the_recipient_can_read(w: World) -> str:
    """Every read path that reaches the recipient (or anyone but an admin), as text."""
    c = w.community
    w.award(RECIPIENT)
    w.award(RECIPIENT, "plan-learning")
    cohort = c.create_cohort(INSTRUCTOR, name="C", stack_id=STACK_ID)
    c.add_members(INSTRUCTOR, cohort.id, [RECIPIENT.id, learner(2).id])
    made = c.create_share_link(RECIPIENT)
    parts = [
        to_data(c.recommendations_for_me(RECIPIENT)),
        to_data(c.notifications(RECIPIENT, limit=200).items),
        to_data(c.goals(RECIPIENT)),
        to_data(c.portfolio(RECIPIENT)),
        to_data(c.shared_portfolio(made.token)),
        to_data(c.showcase(RECIPIENT, cohort.id)),
        to_data(c.get_cohort(RECIPIENT, cohort.id).cohort),
        to_data(c.directory(RECIPIENT)),
        c.analytics_csv(INSTRUCTOR),
        repr(c.analytics(INSTRUCTOR)),
        to_data(c.progress_board(INSTRUCTOR, cohort.id).rows),
        c.board_chart(INSTRUCTOR, cohort.id),
    ]
    with zipfile.ZipFile(io.BytesIO(c.export_credentials(RECIPIENT))) as archive:
        parts += [archive.read(n).decode() for n in archive.namelist()]
    return "\n".join(map(str, parts))


def test_an_anonymous_sender_never_leaks(world: World) -> None:
    c = world.community
    c.recommend(SENDER, "evaluate-impact", [RECIPIENT.id], anonymous=True, note="Go for it!")
    (mine,) = c.recommendations_for_me(RECIPIENT)
    c.answer_recommendation(RECIPIENT, mine.id, accept=True)
    c.report_recommendation(RECIPIENT, mine.id, reason="Unwanted.")
    text = everything_the_recipient_can_read(world)
    assert "Go for it!" in text  # the note itself does arrive
    assert SENDER.id not in text
    assert SENDER.name not in text
    assert "A colleague" in text
    # and the sender's own view names the recipient, not vice versa
    assert c.recommendations_sent(SENDER)[0].recipient_id == RECIPIENT.id
    # an administrator can still act on abuse
    assert c.moderate_recommendations(ADMIN)[0].sender_id == SENDER.id


def test_a_named_sender_is_named(world: World) -> None:
    world.community.recommend(SENDER, "evaluate-impact", [RECIPIENT.id], note="Go for it!")
    assert world.community.recommendations_for_me(RECIPIENT)[0].sender_name == SENDER.name


def test_nobody_is_listed_without_opting_in(world: World) -> None:
    c = world.community
    for n in (1, 2, 3):
        world.award(learner(n))
    for filters in ({}, {"credential_id": "evaluate-impact"}, {"code": "x"}, {"framework": "a"}):
        assert c.directory(COACH, **filters) == []
    with pytest.raises(NotFound):
        c.ask_for_mentoring(COACH, learner(1).id, "evaluate-impact", "Hello")
    c.join_directory(learner(2), "evaluate-impact")
    assert [e.person_id for e in c.directory(COACH)] == [learner(2).id]
    c.leave_directory(learner(2))
    assert c.directory(COACH) == []  # at once, from every listing
    assert c.directory(COACH, credential_id="evaluate-impact") == []


def test_a_revoked_share_link_is_dead(world: World) -> None:
    award = world.award(RECIPIENT)
    c = world.community
    c.share_evidence(RECIPIENT, award.id, ["plan"])
    made = c.create_share_link(RECIPIENT)
    (entry,) = c.shared_portfolio(made.token).entries
    sha = entry.evidence[0].blob.sha256
    c.revoke_share_link(RECIPIENT, made.link.id)
    for read in (
        lambda: c.shared_portfolio(made.token),
        lambda: c.read_shared_file(made.token, award.id, sha),
    ):
        with pytest.raises(NotFound, match="revoked"):
            read()
    # the database holds no token
    with world.service.store.transaction() as tx:
        assert made.token not in repr(tx.list_share_links(RECIPIENT.id))


def test_small_groups_are_suppressed_everywhere(world: World) -> None:
    for n in (1, 2, 3):
        world.award(learner(n))
    c = world.community
    csv_text = c.analytics_csv(ADMIN)
    assert ",3," not in csv_text
    assert "<5" in csv_text
    result = c.analytics(INSTRUCTOR, by="cohort")
    assert result.rows == ()
    for figure in (result.total.started, result.total.awarded):
        assert figure.value in (0, None)
