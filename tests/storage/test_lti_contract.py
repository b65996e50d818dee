"""The LTI repositories hold the same contract on every store."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from factories import NOW
from mcembed import Conflict, NotFound
from mcembed.grades import DeliveryState, GradeDelivery, score_for
from mcembed.launches import LaunchContext, LoginState
from mcembed.people import Person
from mcembed.placements import Placement
from mcembed.platforms import Deployment, Platform, ToolKey
from mcembed.rosters import RosterMember
from mcembed.storage import DeliveryFilter


def make_platform(pid: str = "plt_1", **over: Any) -> Platform:
    values: dict[str, Any] = {
        "id": pid,
        "issuer": "https://canvas.instructure.com",
        "client_id": "10000000000001",
        "auth_login_url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
        "auth_token_url": "https://sso.canvaslms.com/login/oauth2/token",
        "key_set_url": "https://sso.canvaslms.com/api/lti/security/jwks",
        "created_at": NOW,
    }
    values.update(over)
    return Platform(**values)


def make_delivery(did: str = "gd_1", **over: Any) -> GradeDelivery:
    score = score_for("submitted", user_id="u1", at=NOW)
    assert score is not None
    values: dict[str, Any] = {
        "id": did,
        "platform_id": "plt_1",
        "course_id": "c1",
        "placement_id": "plc_1",
        "person_id": "p1",
        "event": "submitted",
        "score": score,
        "next_attempt_at": NOW,
        "created_at": NOW,
    }
    values.update(over)
    return GradeDelivery(**values)


def test_platforms_are_keyed_by_issuer_and_client_id(store: Any) -> None:
    """Canvas cloud shares one issuer: two client ids are two platforms, the same pair is refused."""
    with store.transaction() as tx:
        tx.add_platform(make_platform())
        tx.add_platform(make_platform("plt_2", client_id="10000000000002"))
    with pytest.raises(Conflict, match="registered already"), store.transaction() as tx:
        tx.add_platform(make_platform("plt_3"))
    with store.transaction() as tx:
        found = tx.find_platform_by_client("https://canvas.instructure.com", "10000000000002")
        assert found is not None
        assert found.id == "plt_2"
        assert [p.id for p in tx.list_platforms(issuer="https://canvas.instructure.com")] == [
            "plt_1",
            "plt_2",
        ]
        assert tx.find_platform("plt_3") is None


def test_removing_a_platform_removes_its_deployments(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_platform(make_platform())
        tx.add_deployment(Deployment(platform_id="plt_1", deployment_id="1:abc", created_at=NOW))
        with pytest.raises(Conflict):
            tx.add_deployment(
                Deployment(platform_id="plt_1", deployment_id="1:abc", created_at=NOW)
            )
    with store.transaction() as tx:
        assert tx.find_deployment("plt_1", "1:abc") is not None
        tx.remove_platform("plt_1")
    with store.transaction() as tx:
        assert tx.find_deployment("plt_1", "1:abc") is None
        assert tx.list_platforms() == []
        with pytest.raises(NotFound):
            tx.remove_platform("plt_1")


def test_a_login_state_is_taken_once(store: Any) -> None:
    login = LoginState(
        state="s1",
        nonce="n1",
        platform_id="plt_1",
        issued_at=NOW,
        expires_at=NOW + timedelta(minutes=10),
    )
    with store.transaction() as tx:
        tx.add_login_state(login)
    with store.transaction() as tx:
        assert tx.find_login_state("s1") == login
        assert tx.take_login_state("s1") == login
    with store.transaction() as tx:
        assert tx.take_login_state("s1") is None


def test_a_take_rolled_back_leaves_the_state(store: Any) -> None:
    login = LoginState(state="s2", nonce="n", platform_id="p", issued_at=NOW, expires_at=NOW)
    with store.transaction() as tx:
        tx.add_login_state(login)

    def take_then_fail() -> None:
        with store.transaction() as tx:
            tx.take_login_state("s2")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        take_then_fail()
    with store.transaction() as tx:
        assert tx.find_login_state("s2") == login


def test_launches_round_trip_and_expire(store: Any) -> None:
    launch = LaunchContext(
        id="lch_1",
        platform_id="plt_1",
        deployment_id="d",
        user_id="u",
        person_id="lti:plt_1:u",
        course_id="lti:plt_1:d:c",
        custom={"mcembed_credential": "x"},
        deep_linking={"accept_multiple": True},
        frame_origins=("https://school.instructure.com", "https://canvas.instructure.com"),
        csrf_token="tok",
        created_at=NOW,
        expires_at=NOW + timedelta(hours=1),
    )
    with store.transaction() as tx:
        tx.add_launch(launch)
        tx.add_login_state(
            LoginState(state="old", nonce="n", platform_id="p", issued_at=NOW, expires_at=NOW)
        )
    with store.transaction() as tx:
        assert tx.find_launch("lch_1") == launch
        assert tx.remove_expired(NOW + timedelta(minutes=1)) == 1
    with store.transaction() as tx:
        assert tx.remove_expired(NOW + timedelta(hours=2)) == 1
        assert tx.find_launch("lch_1") is None


def make_launch(lid: str, expires_at: Any) -> LaunchContext:
    return LaunchContext(
        id=lid,
        platform_id="plt_1",
        deployment_id="d",
        user_id="u",
        person_id="lti:plt_1:u",
        course_id="c1",
        name="Ada Lovelace",
        email="ada@example.org",
        csrf_token="tok",
        created_at=NOW - timedelta(hours=8),
        expires_at=expires_at,
    )


def test_expired_launches_go_in_bounded_batches_longest_expired_first(store: Any) -> None:
    """A purge takes at most ``limit`` of each kind; one expiring right now is
    expired (as ``is_expired`` says); a valid one stays."""
    with store.transaction() as tx:
        for n in range(5):
            tx.add_launch(make_launch(f"lch_{n}", NOW - timedelta(minutes=5 - n)))
        tx.add_launch(make_launch("lch_now", NOW))
        tx.add_launch(make_launch("lch_valid", NOW + timedelta(seconds=1)))
        for n in range(3):
            tx.add_login_state(
                LoginState(
                    state=f"s{n}",
                    nonce="n",
                    platform_id="p",
                    issued_at=NOW - timedelta(minutes=10),
                    expires_at=NOW - timedelta(minutes=3 - n),
                )
            )
    with store.transaction() as tx:
        assert tx.remove_expired(NOW, limit=2) == 4
        assert [tx.find_launch(f"lch_{n}") is None for n in range(5)] == [
            True,
            True,
            False,
            False,
            False,
        ]
        assert [tx.find_login_state(f"s{n}") is None for n in range(3)] == [True, True, False]
    with store.transaction() as tx:
        assert tx.remove_expired(NOW, limit=2) == 3
        assert tx.remove_expired(NOW) == 2
        assert tx.remove_expired(NOW) == 0
        assert tx.find_launch("lch_now") is None
        assert tx.find_launch("lch_valid") is not None


def test_save_launch_keeps_the_person_the_roster_entry_and_the_launch(store: Any) -> None:
    """One statement on PostgreSQL, three elsewhere: the same rows either way."""

    def launch(n: int) -> LaunchContext:
        return LaunchContext(
            id=f"lch_{n}",
            platform_id="plt_1",
            deployment_id="d",
            user_id="u",
            person_id="lti:plt_1:u",
            course_id="c1",
            frame_origins=("https://moodle.school.example",),
            csrf_token="tok",
            created_at=NOW,
            expires_at=NOW + timedelta(hours=1),
        )

    member = RosterMember(
        course_id="c1", person_id="lti:plt_1:u", user_id="u", name="Ada", synced_at=NOW
    )
    with store.transaction() as tx:
        tx.save_launch(Person(id="lti:plt_1:u", name="Ada", email="a@x.org"), member, launch(1))
    with store.transaction() as tx:
        assert tx.find_person("lti:plt_1:u") == Person(
            id="lti:plt_1:u", name="Ada", email="a@x.org"
        )
        assert tx.find_roster_member("c1", "lti:plt_1:u") == member
        assert tx.find_launch("lch_1") == launch(1)
        # a later launch: new names for the person, the roster entry unchanged (None)
        tx.save_launch(Person(id="lti:plt_1:u", name="Ada L.", email="a@x.org"), None, launch(2))
    with store.transaction() as tx:
        assert tx.find_person("lti:plt_1:u").name == "Ada L."
        assert tx.find_roster_member("c1", "lti:plt_1:u") == member
        assert tx.find_launch("lch_2") == launch(2)


def test_a_placement_is_one_per_resource_link(store: Any) -> None:
    first = Placement(
        id="plc_1",
        platform_id="p",
        course_id="c1",
        resource_link_id="rl1",
        credential_id="cred",
        created_at=NOW,
        updated_at=NOW,
    )
    with store.transaction() as tx:
        assert tx.put_placement(first) == first
        again = tx.put_placement(replace(first, id="plc_2", line_item_url="https://lms/li/1"))
        assert again.id == "plc_1"
        assert again.line_item_url == "https://lms/li/1"
        assert [p.id for p in tx.list_placements("c1", credential_id="cred")] == ["plc_1"]
        assert tx.list_placements("c2") == []
        assert tx.find_placement("plc_1") == again


def test_a_delivery_is_claimed_by_one_worker_and_finished_under_its_token(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_grade_delivery(make_delivery())
    lease = NOW + timedelta(seconds=60)
    with store.transaction() as tx:
        assert tx.list_due_deliveries(NOW, 10) == ["gd_1"]
        claimed = tx.claim_grade_delivery("gd_1", NOW, lease, "A")
        assert claimed is not None
        assert claimed.state is DeliveryState.SENDING
        assert tx.claim_grade_delivery("gd_1", NOW, lease, "B") is None
        assert tx.list_due_deliveries(NOW, 10) == []
    # the worker died: once its lease runs out another one takes over
    later = lease + timedelta(seconds=1)
    with store.transaction() as tx:
        assert tx.list_due_deliveries(later, 10) == ["gd_1"]
        taken = tx.claim_grade_delivery("gd_1", later, later + timedelta(seconds=60), "B")
        assert taken is not None
        # the first worker, slow but alive, can no longer record anything
        assert not tx.finish_grade_delivery(replace(taken, state=DeliveryState.SENT), "A")
        assert tx.finish_grade_delivery(
            replace(taken, state=DeliveryState.SENT, lease_until=None), "B"
        )
        assert tx.find_grade_delivery("gd_1").state is DeliveryState.SENT
        assert tx.list_due_deliveries(later + timedelta(days=1), 10) == []


def test_a_newer_delivery_supersedes_a_pending_one(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_grade_delivery(make_delivery("gd_1"))
        tx.add_grade_delivery(make_delivery("gd_2", created_at=NOW + timedelta(seconds=1)))
        tx.add_grade_delivery(make_delivery("gd_3", person_id="p2"))
    with store.transaction() as tx:
        assert tx.find_grade_delivery("gd_1").state is DeliveryState.SUPERSEDED
        assert sorted(tx.list_due_deliveries(NOW, 10)) == ["gd_2", "gd_3"]
        page = tx.list_grade_deliveries(DeliveryFilter(course_id="c1"))
        assert page.total == 3
        assert page.items[0].id == "gd_2"


def test_deliveries_are_listed_by_line_item_and_learner(store: Any) -> None:
    """What a claim reads to know whether a newer score went out meanwhile."""
    with store.transaction() as tx:
        tx.add_grade_delivery(make_delivery("gd_1"))
        tx.add_grade_delivery(make_delivery("gd_2", person_id="p2"))
        tx.add_grade_delivery(make_delivery("gd_3", placement_id="plc_2"))
        tx.add_grade_delivery(make_delivery("gd_4", created_at=NOW + timedelta(seconds=1)))
    with store.transaction() as tx:
        found = tx.list_grade_deliveries(DeliveryFilter(placement_id="plc_1", person_id="p1"))
        assert [d.id for d in found.items] == ["gd_4", "gd_1"]
        pending = DeliveryFilter(
            placement_id="plc_1", person_id="p1", states=(DeliveryState.PENDING,)
        )
        assert [d.id for d in tx.list_grade_deliveries(pending).items] == ["gd_4"]
        assert tx.list_grade_deliveries(DeliveryFilter(person_id="p2")).total == 1


def test_failing_deliveries_are_listed(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_grade_delivery(make_delivery("gd_1"))
        tx.add_grade_delivery(make_delivery("gd_2", person_id="p2"))
        d = tx.find_grade_delivery("gd_1")
        tx.update_grade_delivery(replace(d, attempts=2, last_error="503 Service Unavailable"))
    with store.transaction() as tx:
        failing = tx.list_grade_deliveries(DeliveryFilter(course_id="c1", failing=True))
        assert [d.id for d in failing.items] == ["gd_1"]
        assert failing.items[0].last_error == "503 Service Unavailable"


def test_two_threads_claim_one_delivery_once(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_grade_delivery(make_delivery())
    wins: list[str] = []
    barrier = threading.Barrier(4)

    def claim(token: str) -> None:
        barrier.wait()
        with store.transaction() as tx:
            if tx.claim_grade_delivery("gd_1", NOW, NOW + timedelta(minutes=1), token):
                wins.append(token)

    threads = [threading.Thread(target=claim, args=(str(n),)) for n in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(wins) == 1


def test_a_launch_reads_its_roster_entry_and_placement_together(store: Any) -> None:
    placement = Placement(
        id="plc_1",
        platform_id="p",
        course_id="c1",
        resource_link_id="rl1",
        credential_id="cred",
        created_at=NOW,
        updated_at=NOW,
    )
    member = RosterMember(course_id="c1", person_id="p1", user_id="u1", name="Ann", synced_at=NOW)
    with store.transaction() as tx:
        assert tx.find_member_and_placement("c1", "p1", "rl1") == (None, None)
        tx.put_placement(placement)
        assert tx.find_member_and_placement("c1", "p1", "rl1") == (None, placement)
        tx.put_roster_member(member)
        tx.put_roster_member(replace(member, course_id="c2"))
        tx.put_placement(replace(placement, id="plc_2", resource_link_id="rl2"))
    with store.transaction() as tx:
        assert tx.find_member_and_placement("c1", "p1", "rl1") == (member, placement)
        assert tx.find_member_and_placement("c1", "p2", "rl1") == (None, placement)
        assert tx.find_member_and_placement("c2", "p1", "rl1") == (
            replace(member, course_id="c2"),
            None,
        )


def test_a_placement_is_the_same_whatever_its_id_and_times() -> None:
    stored = Placement(
        id="plc_1",
        platform_id="p",
        course_id="c1",
        resource_link_id="rl1",
        credential_id="cred",
        created_at=NOW,
        updated_at=NOW,
    )
    later = NOW + timedelta(days=1)
    assert replace(stored, id="plc_9", created_at=later, updated_at=later).same_as(stored)
    assert not replace(stored, title="Renamed").same_as(stored)
    assert not replace(stored, can_score=True).same_as(stored)


def test_roster_members_and_tool_keys_round_trip(store: Any) -> None:
    member = RosterMember(course_id="c1", person_id="p1", user_id="u1", name="Ann", synced_at=NOW)
    key = ToolKey(kid="k1", private_pem="PEM", public_jwk={"kid": "k1"}, created_at=NOW)
    with store.transaction() as tx:
        tx.put_roster_member(member)
        tx.put_roster_member(replace(member, launched=True))
        tx.add_tool_key(key)
        tx.add_tool_key(replace(key, kid="k2", created_at=NOW + timedelta(days=1)))
    with store.transaction() as tx:
        assert tx.list_roster("c1") == [replace(member, launched=True)]
        assert tx.find_roster_member("c1", "p2") is None
        tx.update_tool_key(replace(key, retired_at=NOW))
        assert [(k.kid, k.active) for k in tx.list_tool_keys()] == [("k1", False), ("k2", True)]
