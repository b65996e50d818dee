"""Acting on reported recommendations: administrators only, in their course;
withdrawing takes a recommendation off the recipient's page; the recipient
never learns an anonymous sender (on every store)."""

from __future__ import annotations

import pytest

from community_world import ADMIN, COURSE, INSTRUCTOR, OTHER_INSTRUCTOR, World, learner
from mcembed import Actor, ConfigError, NotFound, PermissionDenied, Role, Settings
from mcembed.community import Community
from mcembed.recommendations import ANONYMOUS_SENDER, RecommendationStatus

SENDER, RECIPIENT = learner(1), learner(2)
COURSE_ADMIN = Actor(id="admin-1", course_id=COURSE, roles=frozenset({Role.ADMIN}), name="Ada")
OTHER_ADMIN = Actor(id="admin-9", course_id="course-9", roles=frozenset({Role.ADMIN}), name="O")


def reported(world: World) -> str:
    c = world.community
    c.recommend(SENDER, "evaluate-impact", [RECIPIENT.id], anonymous=True, note="Ha ha.")
    (mine,) = c.recommendations_for_me(RECIPIENT)
    c.report_recommendation(RECIPIENT, mine.id, reason="Mockery.")
    return mine.id


def test_the_queue_names_the_sender_to_administrators_only(world: World) -> None:
    rec_id = reported(world)
    (case,) = world.community.moderation_queue(COURSE_ADMIN)
    assert case.id == rec_id
    assert case.sender_id == SENDER.id
    assert case.sender_name == SENDER.name
    assert case.recipient_name == RECIPIENT.name
    assert case.anonymous
    assert case.report_reason == "Mockery."
    assert case.credential_name
    assert [c.id for c in world.community.moderation_queue(ADMIN)] == [rec_id]
    assert world.community.moderation_queue(OTHER_ADMIN) == []  # another course's
    for nobody in (INSTRUCTOR, SENDER, RECIPIENT):
        with pytest.raises(PermissionDenied):
            world.community.moderation_queue(nobody)
        with pytest.raises(PermissionDenied):
            world.community.resolve_report(nobody, rec_id, withdraw=True)


def test_withdrawing_takes_it_off_the_recipients_page(world: World) -> None:
    rec_id = reported(world)
    with pytest.raises(NotFound):
        world.community.resolve_report(OTHER_ADMIN, rec_id, withdraw=True)
    case = world.community.resolve_report(COURSE_ADMIN, rec_id, withdraw=True)
    assert case.status is RecommendationStatus.WITHDRAWN
    assert world.community.recommendations_for_me(RECIPIENT) == []
    (notice,) = world.community.notifications(RECIPIENT).items
    assert "withdrawn" in notice.title
    assert "Ha ha." not in f"{notice.title} {notice.body} {notice.link}"
    assert world.community.moderation_queue(COURSE_ADMIN) == []
    with pytest.raises(NotFound):  # closed already
        world.community.resolve_report(COURSE_ADMIN, rec_id, withdraw=False)
    assert world.community.recommendations_sent(SENDER)[0].status is RecommendationStatus.WITHDRAWN


def test_dismissing_keeps_it_and_still_hides_the_sender(world: World) -> None:
    rec_id = reported(world)
    case = world.community.resolve_report(COURSE_ADMIN, rec_id, withdraw=False)
    assert case.status is RecommendationStatus.PENDING
    assert world.community.moderation_queue(COURSE_ADMIN) == []
    (mine,) = world.community.recommendations_for_me(RECIPIENT)
    assert mine.sender_name == ANONYMOUS_SENDER
    assert not hasattr(mine, "sender_id")


def test_the_instance_says_who_moderates(mem: World) -> None:
    rec_id = reported(mem)
    with pytest.raises(PermissionDenied):
        mem.community.moderation_queue(INSTRUCTOR)  # administrators only, by default
    community = Community(mem.service, moderation_roles={Role.INSTRUCTOR})
    assert [c.id for c in community.moderation_queue(INSTRUCTOR)] == [rec_id]
    assert community.moderation_queue(OTHER_INSTRUCTOR) == []  # another course's
    with pytest.raises(PermissionDenied):
        community.moderation_queue(SENDER)
    settings = Settings.from_env({"MCEMBED_MODERATION_ROLES": "instructor, admin"})
    assert settings.moderation_roles == {Role.INSTRUCTOR, Role.ADMIN}
    with pytest.raises(ConfigError, match="MCEMBED_MODERATION_ROLES"):
        Settings.from_env({"MCEMBED_MODERATION_ROLES": "janitor"})
