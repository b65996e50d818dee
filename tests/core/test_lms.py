"""The LMS use cases: platforms and deployments, the grade outbox, rosters."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from factories import LEARNER, NOW, OTHER_LEARNER, REVIEWER, scores, submitted
from mcembed import Actor, FixedClock, PermissionDenied, SequentialIds, Service, ValidationError
from mcembed.grades import (
    ActivityProgress,
    DeliveryState,
    GradeDelivery,
    GradingProgress,
    backoff,
    score_for,
    superseded_by,
)
from mcembed.launches import AgsEndpoint, LaunchContext
from mcembed.lms import Lms, PlacementRequest
from mcembed.placements import PlacementKind
from mcembed.platforms import DeploymentPolicy
from mcembed.rosters import RosterMember
from mcembed.storage import MemoryBlobStore

ADMIN = Actor.system()


@pytest.fixture
def lms(store: Any, clock: FixedClock) -> Lms:
    return Lms(store, clock=clock, ids=SequentialIds())


def add_canvas(lms: Lms, **over: Any) -> Any:
    values: dict[str, Any] = {
        "issuer": "https://canvas.instructure.com",
        "client_id": "100",
        "auth_login_url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
        "auth_token_url": "https://sso.canvaslms.com/login/oauth2/token",
        "key_set_url": "https://sso.canvaslms.com/api/lti/security/jwks",
    }
    values.update(over)
    return lms.add_platform(ADMIN, **values)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "auth_login_url",
            "http://lms.example.org/auth",
            "login (auth) URL must be an https:// URL",
        ),
        ("key_set_url", "not a url", "key set URL must be an https:// URL"),
        ("client_id", " ", "client id must not be empty"),
        ("issuer", "", "issuer must not be empty"),
    ],
)
def test_a_platform_with_bad_values_is_refused_with_the_field_named(
    lms: Lms, field: str, value: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        add_canvas(lms, **{field: value})


def test_only_an_administrator_registers_platforms(lms: Lms) -> None:
    with pytest.raises(PermissionDenied):
        lms.add_platform(
            REVIEWER,
            issuer="x",
            client_id="y",
            auth_login_url="",
            auth_token_url="",
            key_set_url="",
        )


def test_a_platform_is_found_by_issuer_alone_only_when_it_is_the_only_one(lms: Lms) -> None:
    one = add_canvas(lms)
    assert lms.find_platform("https://canvas.instructure.com", None) == one
    two = add_canvas(lms, client_id="200")
    assert lms.find_platform("https://canvas.instructure.com", None) is None
    assert lms.find_platform("https://canvas.instructure.com", "200") == two


def test_listed_policy_refuses_an_unknown_deployment_and_says_how_to_add_it(lms: Lms) -> None:
    platform = add_canvas(lms, deployment_ids=["1:known"])
    assert lms.admit_deployment(platform, "1:known").deployment_id == "1:known"
    with pytest.raises(PermissionDenied, match=r"mcembed lti add-deployment plt_1 2:new"):
        lms.admit_deployment(platform, "2:new")


def test_auto_policy_records_a_new_deployment_once(lms: Lms) -> None:
    platform = add_canvas(lms, deployment_policy=DeploymentPolicy.AUTO)
    first = lms.admit_deployment(platform, "7:abc")
    assert first.auto
    assert lms.admit_deployment(platform, "7:abc") == first
    assert [d.deployment_id for d in lms.list_deployments(platform.id)] == ["7:abc"]


def test_scores_follow_the_learner_path() -> None:
    sub = score_for("submitted", user_id="u", at=NOW)
    assert sub is not None
    assert sub.to_json() == {
        "userId": "u",
        "activityProgress": "Submitted",
        "gradingProgress": "PendingManual",
        "timestamp": "2026-09-01T09:00:00.000+00:00",
        "comment": "Submitted for review.",
    }
    won = score_for("awarded", user_id="u", at=NOW, points=7, max_points=8)
    assert won is not None
    assert (won.activity_progress, won.grading_progress) == (
        ActivityProgress.COMPLETED,
        GradingProgress.FULLY_GRADED,
    )
    assert won.to_json()["scoreGiven"] == 7
    assert won.to_json()["scoreMaximum"] == 8
    not_yet = score_for("not_yet", user_id="u", at=NOW, points=3, max_points=8)
    assert not_yet is not None
    assert "scoreGiven" not in not_yet.to_json()
    assert score_for("withdrawn", user_id="u", at=NOW) is None


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in range(5)] == [0, 30, 60, 120, 240]
    assert backoff(50) == timedelta(minutes=30)


def _launch(lms: Lms, actor: Actor, user_id: str) -> None:
    lms.record_launch(
        LaunchContext(
            id=lms.new_launch_id(),
            platform_id="plt_1",
            deployment_id="d",
            user_id=user_id,
            person_id=actor.id,
            course_id=actor.course_id,
            roles=actor.roles,
            name=actor.name,
            resource_link_id="rl-1",
            ags=AgsEndpoint(
                scopes=("https://purl.imsglobal.org/spec/lti-ags/scope/score",),
                lineitem="https://lms.example.org/li/1",
            ),
            csrf_token="t",
            created_at=NOW,
            expires_at=NOW + timedelta(hours=1),
        ),
        placement=PlacementRequest(
            kind=PlacementKind.CREDENTIAL, credential_id="evaluate-impact", score_maximum=8
        ),
    )


def test_submit_and_award_write_deliveries_in_the_same_transaction(
    store: Any, clock: FixedClock, lms: Lms
) -> None:
    from factories import make_credential

    service = Service(
        store, MemoryBlobStore(), clock=clock, ids=SequentialIds(), listeners=[lms.on_event]
    )
    with store.transaction() as tx:
        tx.add_credential(make_credential())
    add_canvas(lms)
    _launch(lms, LEARNER, "canvas-user-1")
    sub = submitted(service)
    due = lms.due_deliveries()
    assert len(due) == 1
    claimed = lms.claim_delivery(due[0])
    assert claimed is not None
    assert claimed.delivery.score.user_id == "canvas-user-1"
    assert claimed.placement.line_item_url == "https://lms.example.org/li/1"
    lms.finish_delivery(claimed)
    service.record_review(REVIEWER, sub.id, scores(design="Exemplary", impact="Proficient"))
    page = lms.list_deliveries(REVIEWER, LEARNER.course_id)
    assert [(d.event, d.state) for d in page.items] == [
        ("awarded", DeliveryState.PENDING),
        ("submitted", DeliveryState.SENT),
    ]
    assert page.items[0].score.score_given == 7
    with pytest.raises(PermissionDenied):
        lms.list_deliveries(LEARNER, LEARNER.course_id)


def test_a_failed_send_is_retried_later_and_shown_as_failing(
    store: Any, clock: FixedClock, lms: Lms
) -> None:
    from factories import make_credential

    service = Service(
        store, MemoryBlobStore(), clock=clock, ids=SequentialIds(), listeners=[lms.on_event]
    )
    with store.transaction() as tx:
        tx.add_credential(make_credential())
    add_canvas(lms)
    _launch(lms, LEARNER, "u1")
    submitted(service)
    [did] = lms.due_deliveries()
    claimed = lms.claim_delivery(did)
    assert claimed is not None
    failed = lms.finish_delivery(claimed, error="503 from the LMS")
    assert failed is not None
    assert failed.failing
    assert failed.attempts == 1
    assert lms.due_deliveries() == []
    assert [d.id for d in lms.list_deliveries(REVIEWER, LEARNER.course_id, failing=True).items] == [
        did
    ]
    lms.retry_delivery(REVIEWER, did)
    assert lms.due_deliveries() == [did]


def test_progress_lists_people_who_never_launched(store: Any, clock: FixedClock, lms: Lms) -> None:
    from factories import make_credential

    service = Service(
        store, MemoryBlobStore(), clock=clock, ids=SequentialIds(), listeners=[lms.on_event]
    )
    with store.transaction() as tx:
        tx.add_credential(make_credential())
    _launch(lms, LEARNER, "u1")
    submitted(service)
    lms.sync_roster(
        REVIEWER,
        LEARNER.course_id,
        [
            RosterMember(
                course_id=LEARNER.course_id,
                person_id=LEARNER.id,
                user_id="u1",
                name="Lee Learner",
                synced_at=NOW,
            ),
            RosterMember(
                course_id=LEARNER.course_id,
                person_id=OTHER_LEARNER.id,
                user_id="u2",
                name="Ola Other",
                synced_at=NOW,
            ),
        ],
    )
    rows = lms.course_progress(REVIEWER, LEARNER.course_id)
    assert [(r.member.name, r.member.launched, dict(r.states)) for r in rows] == [
        ("Lee Learner", True, {"evaluate-impact": "submitted"}),
        ("Ola Other", False, {}),
    ]
    with pytest.raises(PermissionDenied):
        lms.course_progress(LEARNER, LEARNER.course_id)


class CountingStore:
    """The store, counting the transactions it hands out."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.transactions = 0

    def transaction(self) -> Any:
        self.transactions += 1
        return self.store.transaction()


def test_expired_launches_are_purged_in_bounded_transactions(store: Any, clock: FixedClock) -> None:
    """Names and e-mail addresses of old launches go, a few hundred at a time,
    never in one long transaction; launches still valid stay."""
    counting = CountingStore(store)
    lms = Lms(counting, clock=clock, ids=SequentialIds())
    with store.transaction() as tx:
        for n in range(5):
            tx.add_launch(
                LaunchContext(
                    id=f"lch_{n}",
                    platform_id="plt_1",
                    deployment_id="d",
                    user_id="u",
                    person_id="p",
                    course_id="c",
                    email="ada@example.org",
                    csrf_token="t",
                    created_at=NOW - timedelta(hours=9),
                    expires_at=NOW - timedelta(hours=1, minutes=n),
                )
            )
        tx.add_launch(
            LaunchContext(
                id="lch_valid",
                platform_id="plt_1",
                deployment_id="d",
                user_id="u",
                person_id="p",
                course_id="c",
                csrf_token="t",
                created_at=NOW,
                expires_at=NOW + timedelta(hours=8),
            )
        )
    assert lms.remove_expired(batch=2) == 5
    assert counting.transactions == 3  # 2, 2 and the last 1
    assert lms.get_launch("lch_valid").id == "lch_valid"
    assert lms.remove_expired() == 0
    with pytest.raises(ValueError, match="batch must be at least 1"):
        lms.remove_expired(batch=0)


def delivery(did: str, event: str, at_seconds: int, **over: Any) -> GradeDelivery:
    at = NOW + timedelta(seconds=at_seconds)
    score = score_for(event, user_id="u1", at=at, points=7, max_points=8)
    assert score is not None
    values: dict[str, Any] = {
        "id": did,
        "platform_id": "plt_1",
        "course_id": "c1",
        "placement_id": "plc_1",
        "person_id": "p1",
        "event": event,
        "score": score,
        "next_attempt_at": at,
        "created_at": at,
    }
    values.update(over)
    return GradeDelivery(**values)


OLD = delivery("gd_old", "submitted", 0, state=DeliveryState.SENDING)


@pytest.mark.parametrize(
    ("other", "stale"),
    [
        (delivery("gd_new", "awarded", 10, state=DeliveryState.SENT), True),
        (delivery("gd_new", "awarded", 10, state=DeliveryState.PENDING), True),
        (delivery("gd_new", "awarded", 10, state=DeliveryState.SENDING), True),
        (delivery("gd_new", "awarded", 10, state=DeliveryState.SUPERSEDED), False),
        (delivery("gd_new", "awarded", -10, state=DeliveryState.SENT), False),
        (delivery("gd_new", "awarded", 10, person_id="p2", state=DeliveryState.SENT), False),
        (delivery("gd_new", "awarded", 10, placement_id="plc_2", state=DeliveryState.SENT), False),
        (OLD, False),
    ],
    ids=[
        "newer-sent",
        "newer-pending",
        "newer-sending",
        "newer-superseded",
        "older",
        "other-learner",
        "other-line-item",
        "itself",
    ],
)
def test_only_a_later_score_for_the_same_learner_and_line_item_supersedes(
    other: GradeDelivery, stale: bool
) -> None:
    assert (superseded_by(OLD, [other]) is other) is stale


def test_a_worker_killed_mid_send_never_sends_the_older_score_after_the_newer(
    store: Any, clock: FixedClock, lms: Lms
) -> None:
    """Worker 1 claims "submitted" and dies; the award is written and sent; when
    worker 1's lease runs out the next worker marks "submitted" superseded
    instead of sending it: superseded, not failing, and nothing left to send."""
    from factories import make_credential

    service = Service(
        store, MemoryBlobStore(), clock=clock, ids=SequentialIds(), listeners=[lms.on_event]
    )
    with store.transaction() as tx:
        tx.add_credential(make_credential())
    add_canvas(lms)
    _launch(lms, LEARNER, "u1")
    sub = submitted(service)
    [first] = lms.due_deliveries()
    assert lms.claim_delivery(first) is not None  # worker 1, killed before finishing
    clock.advance(seconds=30)
    service.record_review(REVIEWER, sub.id, scores(design="Exemplary", impact="Proficient"))
    [award] = lms.due_deliveries()
    sent = lms.claim_delivery(award)
    assert sent is not None
    assert lms.finish_delivery(sent) is not None
    clock.advance(minutes=5)  # worker 1's lease has run out
    assert lms.due_deliveries() == [first]
    assert lms.claim_delivery(first) is None
    assert lms.due_deliveries() == []
    page = lms.list_deliveries(REVIEWER, LEARNER.course_id)
    assert [(d.event, d.state) for d in page.items] == [
        ("awarded", DeliveryState.SENT),
        ("submitted", DeliveryState.SUPERSEDED),
    ]
    assert lms.list_deliveries(REVIEWER, LEARNER.course_id, failing=True).total == 0


def test_a_newer_delivery_supersedes_a_waiting_older_one_at_once(
    store: Any, clock: FixedClock, lms: Lms
) -> None:
    from factories import make_credential

    service = Service(
        store, MemoryBlobStore(), clock=clock, ids=SequentialIds(), listeners=[lms.on_event]
    )
    with store.transaction() as tx:
        tx.add_credential(make_credential())
    add_canvas(lms)
    _launch(lms, LEARNER, "u1")
    sub = submitted(service)
    clock.advance(seconds=30)
    service.record_review(REVIEWER, sub.id, scores(design="Exemplary", impact="Proficient"))
    page = lms.list_deliveries(REVIEWER, LEARNER.course_id)
    assert [(d.event, d.state) for d in page.items] == [
        ("awarded", DeliveryState.PENDING),
        ("submitted", DeliveryState.SUPERSEDED),
    ]
    assert len(lms.due_deliveries()) == 1
