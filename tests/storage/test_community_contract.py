"""The community repositories' contract, on every store (memory, SQLite,
PostgreSQL), and the SQL figures held equal to the reference computation."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from community_world import INSTRUCTOR, STACK_ID, World, learner, make_world
from factories import NOW, scores
from mcembed import AlreadyDecided, Conflict, FixedClock, NotFound, Service
from mcembed.activity import review_fact, submission_fact
from mcembed.analytics import AnalyticsFilter, CohortScope, Grouping, aggregate, aggregate_reviewers
from mcembed.cohorts import Cohort, CohortMember, MemberNote, MemberStatus
from mcembed.directory import ALL, DirectoryListing
from mcembed.notifications import Notification, NotificationKind
from mcembed.portfolio import EvidenceShare, ShareLink, hash_token
from mcembed.recommendations import Goal, Recommendation, RecommendationStatus, RecommenderRole
from mcembed.storage import MemoryBlobStore, SqlStore
from mcembed.storage.community_base import FactFilter, RecommendationFilter


@pytest.fixture
def world(store: Any, clock: FixedClock) -> World:
    return make_world(store, clock)


def new_cohort(cohort_id: str = "coh_1", **kw: Any) -> Cohort:
    values: dict[str, Any] = {
        "id": cohort_id,
        "course_id": "course-1",
        "name": "Beta",
        "facilitators": ("coach-1",),
        "credential_ids": ("evaluate-impact",),
        "created_at": NOW,
    }
    values.update(kw)
    return Cohort(**values)


def test_cohorts_revision_guard_and_listing(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_cohort(new_cohort())
        tx.add_cohort(new_cohort("coh_2", name="alpha", course_id="course-2"))
    with pytest.raises(Conflict), store.transaction() as tx:
        tx.add_cohort(new_cohort())
    with store.transaction() as tx:
        stored = tx.update_cohort(replace(new_cohort(), name="Beta 2"), 0)
        assert stored.revision == 1
        assert tx.find_cohort("coh_1") == stored
    with pytest.raises(AlreadyDecided), store.transaction() as tx:
        tx.update_cohort(replace(new_cohort(), name="stale"), 0)
    with store.transaction() as tx:
        tx.put_cohort_member(
            CohortMember(cohort_id="coh_2", person_id="p", name="Pia", added_at=NOW)
        )
        tx.put_cohort_member(
            CohortMember(
                cohort_id="coh_1", person_id="p", name="Pia", added_at=NOW, status=MemberStatus.LEFT
            )
        )
        tx.put_cohort_member(
            CohortMember(cohort_id="coh_1", person_id="a", name="Zed", added_at=NOW)
        )
        tx.put_cohort_member(
            CohortMember(cohort_id="coh_1", person_id="b", name="amy", added_at=NOW)
        )
    with store.transaction() as tx:
        assert [c.name for c in tx.list_cohorts()] == ["alpha", "Beta 2"]
        assert [c.id for c in tx.list_cohorts(course_id="course-1")] == ["coh_1"]
        assert [c.id for c in tx.list_cohorts(person_id="p")] == ["coh_2"]  # left coh_1
        assert [c.id for c in tx.list_cohorts(person_id="coach-1")] == ["coh_2", "coh_1"]
        assert [m.name for m in tx.list_cohort_members("coh_1")] == ["amy", "Pia", "Zed"]
        assert tx.list_active_member_ids(["coh_1", "coh_2", "coh_9"]) == {
            "coh_1": {"a", "b"},
            "coh_2": {"p"},
            "coh_9": set(),
        }
        assert tx.find_cohort_member("coh_1", "zzz") is None
        tx.add_member_note(
            MemberNote(
                id="n2",
                cohort_id="coh_1",
                member_id="a",
                author_id="coach-1",
                text="2",
                created_at=NOW + timedelta(1),
            )
        )
        tx.add_member_note(
            MemberNote(
                id="n1",
                cohort_id="coh_1",
                member_id="a",
                author_id="coach-1",
                text="1",
                created_at=NOW,
            )
        )
        assert [n.text for n in tx.list_member_notes("coh_1")] == ["1", "2"]
        assert tx.list_member_notes("coh_1", "b") == []


def note(n: int, person: str = "p", key: str = "", **kw: Any) -> Notification:
    return Notification(
        id=f"ntf_{n}",
        person_id=person,
        kind=NotificationKind.REMINDER,
        title=f"t{n}",
        key=key,
        created_at=NOW + timedelta(minutes=n),
        **kw,
    )


def test_notifications_once_per_key(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_notification(note(1, key="k"))
        tx.add_notification(note(2))
        tx.add_notification(note(3))
        tx.add_notification(note(4, person="q", key="k"))
    with pytest.raises(Conflict), store.transaction() as tx:
        tx.add_notification(note(5, key="k"))
    with store.transaction() as tx:
        assert tx.find_notification_by_key("p", "k").id == "ntf_1"
        assert tx.find_notification_by_key("p", "") is None
        assert tx.find_notification_keys(["p", "q", "r"], ["k", "other", ""]) == {
            ("p", "k"),
            ("q", "k"),
        }
        assert tx.find_notification_keys(["r"], ["k"]) == set()
        assert tx.find_notification_keys([], ["k"]) == set()
        tx.update_notification(note(3).mark_read(NOW))
        page = tx.list_notifications("p", limit=2)
        assert [n.id for n in page.items] == ["ntf_3", "ntf_2"]
        assert page.total == 3
        assert tx.list_notifications("p", unread_only=True).total == 2
    with pytest.raises(NotFound), store.transaction() as tx:
        tx.update_notification(note(9))


def test_recommendations_goals_shares_links_and_listings(store: Any) -> None:
    rec = Recommendation(
        id="rec_1",
        credential_id="c",
        course_id="course-1",
        recipient_id="r",
        sender_id="s",
        sender_role=RecommenderRole.PEER,
        anonymous=True,
        created_at=NOW,
    )
    with store.transaction() as tx:
        tx.add_recommendation(rec)
        tx.add_recommendation(
            replace(rec, id="rec_2", recipient_id="x", created_at=NOW + timedelta(1))
        )
        tx.update_recommendation(rec.answer(accept=True, at=NOW))
        tx.put_goal(Goal(person_id="r", credential_id="c", course_id="course-1", created_at=NOW))
        tx.put_goal(Goal(person_id="r", credential_id="c", course_id="course-1", created_at=NOW))
        tx.add_share_link(
            ShareLink(id="lnk_1", learner_id="r", token_hash=hash_token("t"), created_at=NOW)
        )
        tx.put_directory_listing(DirectoryListing(person_id="r", created_at=NOW))
        tx.put_directory_listing(DirectoryListing(person_id="r", created_at=NOW))
        tx.put_directory_listing(DirectoryListing(person_id="r", credential_id="c", created_at=NOW))
    with store.transaction() as tx:
        assert tx.find_recommendation("rec_1").status is RecommendationStatus.ACCEPTED
        assert tx.find_recommendation("rec_1").sender_id == "s"  # kept for moderation
        assert [r.id for r in tx.list_recommendations(RecommendationFilter(sender_id="s"))] == [
            "rec_2",
            "rec_1",
        ]
        assert [
            r.id
            for r in tx.list_recommendations(
                RecommendationFilter(recipient_id="r", status=RecommendationStatus.ACCEPTED)
            )
        ] == ["rec_1"]
        assert tx.list_recommendations(RecommendationFilter(reported_only=True)) == []
        assert len(tx.list_goals("r")) == 1
        assert tx.find_share_link_by_hash(hash_token("t")).id == "lnk_1"
        assert tx.find_share_link_by_hash(hash_token("u")) is None
        assert [x.credential_id for x in tx.list_directory_listings(person_id="r")] == [ALL, "c"]
        assert tx.remove_directory_listings("r", "c") == 1
        assert tx.remove_directory_listings("r") == 1
        assert tx.list_directory_listings() == []
        tx.remove_goal("r", "c", "course-1")
    with pytest.raises(NotFound), store.transaction() as tx:
        tx.remove_goal("r", "c", "course-1")
    with pytest.raises(Conflict), store.transaction() as tx:
        tx.add_share_link(
            ShareLink(id="lnk_2", learner_id="r", token_hash=hash_token("t"), created_at=NOW)
        )


def test_a_raising_block_leaves_no_community_write(store: Any) -> None:
    def crash() -> None:
        with store.transaction() as tx:
            tx.add_cohort(new_cohort())
            tx.add_notification(note(1, key="k"))
            tx.put_directory_listing(DirectoryListing(person_id="r", created_at=NOW))
            raise RuntimeError("halfway")

    with pytest.raises(RuntimeError):
        crash()
    with store.transaction() as tx:
        assert tx.find_cohort("coh_1") is None
        assert tx.find_notification_by_key("p", "k") is None
        assert tx.list_directory_listings() == []


def test_evidence_shares_and_listed_awards(world: World) -> None:
    a1 = world.award(learner(1))
    a2 = world.award(learner(2))
    store = world.service.store
    with store.transaction() as tx:
        tx.put_evidence_share(
            EvidenceShare(
                award_id=a1.id, learner_id=learner(1).id, requirement_ids=("plan",), updated_at=NOW
            )
        )
        tx.put_evidence_share(
            EvidenceShare(
                award_id=a1.id, learner_id=learner(1).id, requirement_ids=(), updated_at=NOW
            )
        )
        assert tx.find_evidence_share(a1.id).requirement_ids == ()
        assert tx.list_listed_awards(["evaluate-impact"]) == []
        tx.put_directory_listing(DirectoryListing(person_id=learner(2).id, created_at=NOW))
        tx.put_directory_listing(
            DirectoryListing(person_id=learner(1).id, credential_id="plan-learning", created_at=NOW)
        )
        assert [a.id for a in tx.list_listed_awards(["evaluate-impact"])] == [a2.id]
        assert tx.list_listed_awards([]) == []
        assert a1.id not in [
            a.id for a in tx.list_listed_awards(["evaluate-impact", "plan-learning"])
        ]


def programme(world: World) -> list[CohortScope]:
    """Learners in two cohorts and none, revisions, awards, a bulk award, a revocation."""
    c = world.community
    a = c.create_cohort(INSTRUCTOR, name="Alpha", stack_id=STACK_ID)
    b = c.create_cohort(INSTRUCTOR, name="Beta", credential_ids=["evaluate-impact"])
    people = [learner(n) for n in range(1, 11)]
    c.add_members(INSTRUCTOR, a.id, [p.id for p in people[:6]])
    c.add_members(INSTRUCTOR, b.id, [p.id for p in people[4:9]])
    c.remove_member(INSTRUCTOR, b.id, people[8].id)
    for i, p in enumerate(people):
        world.clock.advance(hours=7)
        if i % 3 == 0:
            sub = world.not_yet(p)
            world.clock.advance(days=1 + i)
            world.resubmit(p, sub.id)
            world.clock.advance(hours=3)
            world.service.record_review(
                INSTRUCTOR, sub.id, scores(design="Proficient", impact="Proficient")
            )
        elif i % 3 == 1:
            world.award(p, "plan-learning")
        else:
            world.start(p)
    world.service.revoke(INSTRUCTOR, world.award(people[2], "plan-learning").id, reason="Copied.")
    with world.service.store.transaction() as tx:
        scopes = []
        for cohort in tx.list_cohorts():
            scopes.append(
                CohortScope(
                    cohort_id=cohort.id,
                    course_id=cohort.course_id,
                    credential_ids=frozenset(cohort.targets),
                    member_ids=frozenset(
                        m.person_id
                        for m in tx.list_cohort_members(cohort.id)
                        if m.status is MemberStatus.ACTIVE
                    ),
                )
            )
    return scopes


def test_facts_match_the_stored_values_and_follow_changes(world: World) -> None:
    programme(world)
    store = world.service.store
    with store.transaction() as tx:
        facts = tx.list_submission_facts(FactFilter())
        assert len(facts) == 11
        for f in facts:
            assert f == submission_fact(tx.find_submission(f.submission_id))
        reviews = tx.list_review_facts(FactFilter(course_id="course-1"))
        expected = sorted(
            (
                review_fact(r, tx.find_submission(f.submission_id))
                for f in facts
                for r in tx.list_reviews(f.submission_id)
            ),
            key=lambda r: r.review_id,
        )
        assert reviews == expected
        assert tx.list_submission_facts(FactFilter(learner_ids=())) == []
        only = tx.list_submission_facts(
            FactFilter(
                course_id="course-1",
                learner_ids=(learner(1).id,),
                credential_ids=("evaluate-impact",),
            )
        )
        assert [f.learner_id for f in only] == [learner(1).id]
    draft = next(f for f in facts if f.state.value == "draft")
    world.clock.advance(days=1)
    owner = learner(int(draft.learner_id.removeprefix("learner-")))
    world.service.withdraw(owner, draft.submission_id)
    with store.transaction() as tx:
        again = {f.submission_id: f for f in tx.list_submission_facts(FactFilter())}
        assert again[draft.submission_id].state.value == "withdrawn"
        assert again[draft.submission_id].revision == draft.revision + 1
        awards = tx.list_award_facts(FactFilter(credential_ids=("plan-learning",)))
        assert sum(a.revoked for a in awards) == 1


FILTERS = [
    AnalyticsFilter(),
    AnalyticsFilter(grouping=Grouping.ALL),
    AnalyticsFilter(grouping=Grouping.COHORT),
    AnalyticsFilter(grouping=Grouping.ALL, cohorts_only=True),
    AnalyticsFilter(course_id="course-1", credential_id="evaluate-impact"),
    AnalyticsFilter(since=NOW + timedelta(days=1), until=NOW + timedelta(days=6)),
    AnalyticsFilter(grouping=Grouping.COHORT, since=NOW + timedelta(days=2)),
    AnalyticsFilter(course_id="course-9"),
]


def test_sql_figures_equal_the_reference(world: World) -> None:
    """Every store's figures equal ``analytics.aggregate`` over its facts."""
    scopes = programme(world)
    with world.service.store.transaction() as tx:
        facts = tx.list_submission_facts(FactFilter())
        reviews = tx.list_review_facts(FactFilter())
        awards = tx.list_award_facts(FactFilter())
        cohort_id = scopes[0].cohort_id
        for where in [*FILTERS, AnalyticsFilter(cohort_id=cohort_id)]:
            in_scope = [s for s in scopes if where.cohort_id in (None, s.cohort_id)]
            expected = aggregate(where, facts, reviews, awards, in_scope)
            got = tx.analytics_figures(where, in_scope)
            assert [r.key for r in got] == [r.key for r in expected], where
            for g, e in zip(got, expected, strict=True):
                for name in ("started", "submitted", "awarded", "reviews", "reviewers", "not_yet"):
                    assert getattr(g, name) == getattr(e, name), (where, name)
                for name in (
                    "median_days_to_award",
                    "attempts_per_award",
                    "median_turnaround_hours",
                ):
                    assert getattr(g, name) == pytest.approx(getattr(e, name)), (where, name)
            assert [
                (r.reviewer_id, r.reviews, pytest.approx(r.median_turnaround_hours))
                for r in aggregate_reviewers(where, reviews, in_scope)
            ] == [
                (r.reviewer_id, r.reviews, r.median_turnaround_hours)
                for r in tx.analytics_reviewers(where, in_scope)
            ]
    # something was counted at all, so the equality above is not empty-on-empty
    with world.service.store.transaction() as tx:
        (total,) = tx.analytics_figures(AnalyticsFilter(grouping=Grouping.ALL), scopes)
    assert (total.started, total.awarded, total.reviews) == (11, 7, 12)
    assert total.not_yet == (("evaluate-impact", "design", 4),)


def test_two_sql_stores_on_one_database_see_each_others_changes(tmp_path: Path) -> None:
    """Facts kept through one process are brought up to date after another writes."""
    first = SqlStore(f"sqlite:///{tmp_path / 'db.sqlite'}")
    second = SqlStore(engine=first.engine)
    mine = make_world(first, FixedClock(NOW))
    theirs = Service(second, MemoryBlobStore(), clock=mine.clock)
    sub = mine.start(learner(1))
    with first.transaction() as tx:
        assert tx.list_submission_facts(FactFilter())[0].state.value == "draft"
    theirs.withdraw(learner(1), sub.id)
    with first.transaction() as tx:
        assert tx.list_submission_facts(FactFilter())[0].state.value == "withdrawn"
    first.close()


def test_backfill_rebuilds_lost_or_stale_facts(world: World) -> None:
    """``backfill_facts`` derives again what was lost or written behind the store's back."""
    from sqlalchemy import delete, update

    from mcembed.storage import tables as t
    from mcembed.storage.facts_sql import backfill_facts
    from mcembed.storage.sqlalchemy import begin

    store = world.service.store
    if not isinstance(store, SqlStore):
        pytest.skip("facts are tables only in the SQL stores")
    programme(world)
    with store.transaction() as tx:
        before = (
            tx.list_submission_facts(FactFilter()),
            tx.list_review_facts(FactFilter()),
            tx.list_award_facts(FactFilter()),
        )
        figures = tx.analytics_figures(AnalyticsFilter(), [])
    with begin(store.engine) as conn:
        assert backfill_facts(conn) == 0
        conn.execute(delete(t.review_unmet))
        conn.execute(delete(t.review_facts))
        conn.execute(delete(t.award_facts))
        conn.execute(update(t.submission_facts).values(revision=-1, state="draft"))
        assert backfill_facts(conn) == len(before[0]) + len(before[1]) + len(before[2])
    with store.transaction() as tx:
        after = (
            tx.list_submission_facts(FactFilter()),
            tx.list_review_facts(FactFilter()),
            tx.list_award_facts(FactFilter()),
        )
        assert after == before
        assert tx.analytics_figures(AnalyticsFilter(), []) == figures
