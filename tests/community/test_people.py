"""Recommendations, goals, the expertise directory and mentoring requests
(memory store; the privacy guarantees also run on every store in test_privacy)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from community_world import ADMIN, COACH, COURSE, INSTRUCTOR, STACK_ID, World, learner
from factories import NOW
from mcembed import Actor, Conflict, NotFound, PermissionDenied, ValidationError
from mcembed.directory import ALL
from mcembed.notifications import NotificationKind
from mcembed.recommendations import ANONYMOUS_SENDER, RecommendationStatus, RecommenderRole

L1, L2, L3 = learner(1), learner(2), learner(3)


def test_an_instructor_recommends_to_a_group_and_the_learner_accepts(mem: World) -> None:
    """Each gets a notification; accepting makes the credential a goal."""
    sent = mem.community.recommend(
        INSTRUCTOR, "evaluate-impact", [L1.id, L2.id], note="Your survey work fits this."
    )
    assert [s.recipient_name for s in sent] == ["Learner 01", "Learner 02"]
    (mine,) = mem.community.recommendations_for_me(L1)
    assert mine.sender_name == "Tess Teacher"
    assert mine.sender_role is RecommenderRole.INSTRUCTOR
    assert mine.note == "Your survey work fits this."
    (note,) = mem.community.notifications(L1).items
    assert note.kind is NotificationKind.RECOMMENDATION
    assert (
        note.title
        == "Tess Teacher recommends 'Evaluate the impact of professional learning' to you"
    )
    answered = mem.community.answer_recommendation(L1, mine.id, accept=True)
    assert answered.status is RecommendationStatus.ACCEPTED
    assert [g.credential_id for g in mem.community.goals(L1)] == ["evaluate-impact"]
    with pytest.raises(Conflict, match="accepted already"):
        mem.community.answer_recommendation(L1, mine.id, accept=False)
    declined = mem.community.answer_recommendation(
        L2, mem.community.recommendations_for_me(L2)[0].id, accept=False
    )
    assert declined.status is RecommendationStatus.DECLINED
    assert mem.community.goals(L2) == []


def test_recommending_again_while_pending_changes_nothing(mem: World) -> None:
    first = mem.community.recommend(INSTRUCTOR, "evaluate-impact", [L1.id])
    again = mem.community.recommend(INSTRUCTOR, "evaluate-impact", [L1.id])
    assert [r.id for r in again] == [r.id for r in first]
    assert mem.community.notifications(L1).total == 1


@pytest.mark.parametrize(
    ("actor", "recipients", "anonymous", "message"),
    [
        (INSTRUCTOR, [L1.id], True, "only peers may stay anonymous"),
        (L1, [L2.id, L3.id], False, "one colleague at a time"),
        (L1, [L1.id], False, "not for yourself"),
        (L1, [], False, "at least one person"),
        (L1, ["nobody"], False, "'nobody' is known"),
    ],
)
def test_recommendations_refused(mem: World, actor, recipients, anonymous, message) -> None:
    with pytest.raises((ValidationError, NotFound), match=message):
        mem.community.recommend(actor, "evaluate-impact", recipients, anonymous=anonymous)


def test_unknown_credential_and_long_note(mem: World) -> None:
    with pytest.raises(NotFound, match="did you mean 'plan-learning'"):
        mem.community.recommend(L1, "plan-learnin", [L2.id])
    with pytest.raises(ValidationError, match="at most 1000 characters"):
        mem.community.recommend(L1, "plan-learning", [L2.id], note="x" * 1001)


def test_a_cohort_recommendation_goes_to_its_active_members(mem: World) -> None:
    cohort = mem.community.create_cohort(INSTRUCTOR, name="C", stack_id=STACK_ID)
    mem.community.add_members(INSTRUCTOR, cohort.id, [L1.id, L2.id])
    sent = mem.community.recommend_to_cohort(INSTRUCTOR, cohort.id, "plan-learning")
    assert sorted(s.recipient_id for s in sent) == [L1.id, L2.id]
    with pytest.raises(PermissionDenied):
        mem.community.recommend_to_cohort(L1, cohort.id, "plan-learning")


def test_recommendations_stay_in_their_course(mem: World) -> None:
    mem.community.recommend(INSTRUCTOR, "evaluate-impact", [L1.id])
    elsewhere = learner(1, course="course-9")
    assert mem.community.recommendations_for_me(elsewhere) == []
    rec = mem.community.recommendations_for_me(L1)[0]
    with pytest.raises(NotFound):
        mem.community.answer_recommendation(elsewhere, rec.id, accept=True)
    with pytest.raises(NotFound):
        mem.community.answer_recommendation(L2, rec.id, accept=True)


def test_goals(mem: World) -> None:
    goal = mem.community.add_goal(L1, "plan-learning")
    assert mem.community.add_goal(L1, "plan-learning") == goal
    mem.community.remove_goal(L1, "plan-learning")
    with pytest.raises(NotFound, match="not one of your goals"):
        mem.community.remove_goal(L1, "plan-learning")


def test_the_directory_lists_only_those_who_opted_in(mem: World) -> None:
    mem.award(L1)
    mem.award(L2)
    assert mem.community.directory(L3, credential_id="evaluate-impact") == []
    mem.community.join_directory(L1, "evaluate-impact")
    (entry,) = mem.community.directory(L3, credential_id="evaluate-impact")
    assert (entry.person_id, entry.name) == (L1.id, "Learner 01")
    assert [c.credential_id for c in entry.credentials] == ["evaluate-impact"]
    mem.community.join_directory(L2)  # all they hold
    assert [e.person_id for e in mem.community.directory(L3)] == [L1.id, L2.id]
    with pytest.raises(Conflict, match="a credential you hold"):
        mem.community.join_directory(L3, "evaluate-impact")
    assert mem.community.leave_directory(L1) == 1
    assert [e.person_id for e in mem.community.directory(L3)] == [L2.id]


def test_the_directory_by_alignment(mem: World) -> None:
    from dataclasses import replace

    from mcembed import Alignment

    with mem.service.store.transaction() as tx:
        base = tx.find_credential("plan-learning")
        tx.add_credential(
            replace(
                base,
                version="2",
                content_hash="h3",
                alignments=(Alignment(framework="Learning Forward Standards", code="LF-3"),),
            )
        )
    mem.award(L1, "plan-learning")
    mem.award(L2)
    mem.community.join_directory(L1)
    mem.community.join_directory(L2)
    assert [e.person_id for e in mem.community.directory(L3, framework="learning forward")] == [
        L1.id
    ]
    assert [e.person_id for e in mem.community.directory(L3, code="lf-3")] == [L1.id]
    assert mem.community.directory(L3, code="nope") == []


def test_revoked_or_expired_holders_leave_the_directory(mem: World) -> None:
    award = mem.award(L1)
    mem.community.join_directory(L1)
    mem.service.revoke(ADMIN, award.id, reason="Plagiarised plan.")
    assert mem.community.directory(L3) == []


def test_ask_for_mentoring_notifies_a_listed_holder(mem: World) -> None:
    mem.award(L1)
    with pytest.raises(NotFound, match="Nobody by that id is listed"):
        mem.community.ask_for_mentoring(L3, L1.id, "evaluate-impact", "Could we talk?")
    mem.community.join_directory(L1, "evaluate-impact")
    mem.community.ask_for_mentoring(L3, L1.id, "evaluate-impact", "Could we talk about surveys?")
    (request,) = mem.community.notifications(L1).items
    assert request.kind is NotificationKind.MENTORING_REQUEST
    assert request.title.startswith("Learner 03 asks you for mentoring")
    assert request.body == "Could we talk about surveys?"
    assert request.link["from_person_id"] == L3.id
    with pytest.raises(Conflict, match="today already"):
        mem.community.ask_for_mentoring(L3, L1.id, "evaluate-impact", "Again?")
    mem.clock.advance(days=1)
    mem.community.ask_for_mentoring(L3, L1.id, "evaluate-impact", "Tomorrow then?")
    with pytest.raises(ValidationError, match="a few words"):
        mem.community.ask_for_mentoring(L3, L1.id, "evaluate-impact", "  ")
    with pytest.raises(ValidationError, match="yourself"):
        mem.community.ask_for_mentoring(L1, L1.id, "evaluate-impact", "Hi me")
    mem.community.leave_directory(L1, "evaluate-impact")
    with pytest.raises(NotFound):
        mem.community.ask_for_mentoring(COACH, L1.id, "evaluate-impact", "Hello")


def test_the_inbox(mem: World) -> None:
    mem.community.recommend(INSTRUCTOR, "evaluate-impact", [L1.id])
    mem.clock.advance(hours=1)
    mem.community.recommend(COACH, "plan-learning", [L1.id])
    page = mem.community.notifications(L1)
    assert page.total == 2
    assert page.items[0].title.startswith("Cora Coach")
    read = mem.community.mark_read(L1, page.items[0].id)
    assert read.read_at == mem.clock.now()
    assert mem.community.notifications(L1, unread_only=True).total == 1
    with pytest.raises(NotFound):
        mem.community.mark_read(L2, page.items[1].id)
    assert mem.community.mark_all_read(L1) == 1
    assert mem.community.notifications(L1, unread_only=True).total == 0
    mem.clock.advance(hours=1)
    assert mem.community.mark_read(L1, read.id).read_at == read.read_at


def test_anonymous_peer_recommendation_reads_as_a_colleague(mem: World) -> None:
    mem.community.recommend(L2, "evaluate-impact", [L1.id], anonymous=True, note="You'd shine.")
    (mine,) = mem.community.recommendations_for_me(L1)
    assert mine.sender_name == ANONYMOUS_SENDER
    assert mine.anonymous
    reported = mem.community.report_recommendation(L1, mine.id, reason="Feels like mockery.")
    assert reported.sender_name == ANONYMOUS_SENDER
    (flagged,) = mem.community.moderate_recommendations(ADMIN)
    assert flagged.sender_id == L2.id
    assert flagged.report_reason == "Feels like mockery."
    with pytest.raises(PermissionDenied):
        mem.community.moderate_recommendations(INSTRUCTOR)


def test_listing_time_passes(mem: World) -> None:
    """Listing date is kept per credential and survives a later award."""
    mem.award(L1)
    mem.community.join_directory(L1, "evaluate-impact")
    mem.clock.advance(days=3)
    assert mem.community.my_directory_listings(L1)[0].created_at == mem.clock.now() - timedelta(
        days=3
    )
    assert mem.community.my_directory_listings(L1)[0].credential_id != ALL


def test_course_people_are_the_others_of_the_course_roster(world: World) -> None:
    """Active or launched roster members of the actor's course, never another course's."""
    from mcembed.rosters import RosterMember

    def member(pid: str, course: str, name: str, *, active: bool = True) -> RosterMember:
        return RosterMember(
            course_id=course, person_id=pid, user_id=pid, name=name, active=active, synced_at=NOW
        )

    with world.service.store.transaction() as tx:
        tx.put_roster_member(member("learner-1", COURSE, "Learner 01"))
        tx.put_roster_member(member("ada", COURSE, "Ada Adams"))
        tx.put_roster_member(member("gone", COURSE, "Gone Person", active=False))
        tx.put_roster_member(member("far", "course-9", "Elsewhere"))
    people = world.community.course_people(learner(1))
    assert [(p.id, p.name) for p in people] == [("ada", "Ada Adams")]
    assert [p.id for p in world.community.course_people(INSTRUCTOR)] == ["ada", "learner-1"]
    with pytest.raises(PermissionDenied):
        world.community.course_people(Actor(id="x"))
