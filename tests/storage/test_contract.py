"""The Store contract, on every store: atomic transactions, the verbs, uniqueness."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from factories import LEARNER, NOW, make_credential
from mcembed import AlreadyDecided, Award, Conflict, Submission, SubmissionState
from mcembed.people import Person
from mcembed.storage import AwardFilter, CatalogQuery, SubmissionFilter


def new_submission(sub_id: str = "sub_1", **overrides: Any) -> Submission:
    values: dict[str, Any] = {
        "id": sub_id,
        "credential_id": "evaluate-impact",
        "credential_version": "1",
        "learner_id": LEARNER.id,
        "course_id": "course-1",
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(overrides)
    return Submission(**values)


def test_a_raising_block_leaves_nothing(store: Any) -> None:
    def crash_halfway() -> None:
        with store.transaction() as tx:
            tx.add_credential(make_credential())
            tx.put_person(Person(id="p", name="P"))
            raise RuntimeError("crash halfway")

    with pytest.raises(RuntimeError):
        crash_halfway()
    with store.transaction() as tx:
        assert tx.find_credential("evaluate-impact") is None
        assert tx.find_person("p") is None


def test_credential_versions_and_latest(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_credential(make_credential())
        tx.add_credential(replace(make_credential(), version="2", name="Second"))
    with store.transaction() as tx:
        assert tx.find_credential("evaluate-impact").version == "2"
        assert (
            tx.find_credential("evaluate-impact", "1").name
            == "Evaluate the impact of professional learning"
        )
        assert [c.version for c in tx.list_credentials()] == ["2"]
        assert sorted(c.version for c in tx.list_credential_versions("evaluate-impact")) == [
            "1",
            "2",
        ]
        assert tx.find_credential("nope") is None
    with pytest.raises(Conflict), store.transaction() as tx:
        tx.add_credential(make_credential())


def test_credentials_round_trip_exactly(store: Any) -> None:
    credential = make_credential()
    with store.transaction() as tx:
        tx.add_credential(credential)
    with store.transaction() as tx:
        assert tx.find_credential(credential.id) == credential


def test_one_open_submission_per_learner_credential_and_course(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_submission(new_submission())
    with pytest.raises(Conflict), store.transaction() as tx:
        tx.add_submission(new_submission("sub_2"))
    with store.transaction() as tx:
        tx.add_submission(new_submission("sub_3", course_id="course-2"))
        tx.add_submission(new_submission("sub_4", state=SubmissionState.WITHDRAWN))


def test_update_needs_the_revision_it_read(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_submission(new_submission())
    with store.transaction() as tx:
        current = tx.find_submission("sub_1")
        stored = tx.update_submission(current, 0)
        assert stored.revision == 1
    with pytest.raises(AlreadyDecided), store.transaction() as tx:
        tx.update_submission(current, 0)
    with store.transaction() as tx:
        assert tx.find_submission("sub_1").revision == 1


def test_history_and_attempts_append(store: Any) -> None:
    from mcembed import Action

    with store.transaction() as tx:
        tx.add_submission(new_submission())
    for action in (Action.SUBMIT, Action.START_REVIEW, Action.REQUEST_REVISION, Action.RESUBMIT):
        with store.transaction() as tx:
            current = tx.find_submission("sub_1")
            tx.update_submission(current.apply(action, actor_id="x", at=NOW), current.revision)
    with store.transaction() as tx:
        final = tx.find_submission("sub_1")
    assert final.state is SubmissionState.RESUBMITTED
    assert [a.number for a in final.attempts] == [1, 2]
    assert [h.action for h in final.history] == [
        Action.SUBMIT,
        Action.START_REVIEW,
        Action.REQUEST_REVISION,
        Action.RESUBMIT,
    ]


def test_one_award_per_submission(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_submission(new_submission())
        award = Award(
            id="awd_1",
            credential_id="evaluate-impact",
            credential_version="1",
            learner_id=LEARNER.id,
            submission_id="sub_1",
            issued_at=NOW,
        )
        tx.add_award(award)
    with pytest.raises(Conflict), store.transaction() as tx:
        tx.add_award(replace(award, id="awd_2"))
    with store.transaction() as tx:
        assert tx.find_award_for_submission("sub_1") == award
        assert tx.list_awards(AwardFilter(learner_id=LEARNER.id)).total == 1


def test_people_are_created_then_updated(store: Any) -> None:
    with store.transaction() as tx:
        tx.put_person(Person(id="p1", name="Old"))
    with store.transaction() as tx:
        tx.put_person(Person(id="p1", name="New", email="n@example.org"))
    with store.transaction() as tx:
        assert tx.find_person("p1") == Person(id="p1", name="New", email="n@example.org")


def test_search_only_returns_latest_versions_and_honours_filters(store: Any) -> None:
    from mcembed import Alignment

    with store.transaction() as tx:
        tx.add_credential(
            make_credential(
                "a",
                name="Feedback loops",
                addresses=("students ignore written feedback",),
                tags=("feedback",),
                alignments=(Alignment(framework="ISTE Standards for Educators", code="2.7"),),
            )
        )
        tx.add_credential(
            make_credential("b", name="Group roles", addresses=("group work falls apart",))
        )
        tx.add_credential(
            replace(
                make_credential(
                    "a",
                    name="Feedback loops v2",
                    addresses=("students ignore written feedback",),
                    tags=("feedback",),
                ),
                version="2",
            )
        )
    with store.transaction() as tx:
        hits = tx.search_credentials(CatalogQuery(text="my students ignore my feedback"))
        found = [(h.credential.id, h.credential.version) for h in hits]
        assert found[0] == ("a", "2")
        assert ("a", "1") not in found
        assert (
            tx.search_credentials(CatalogQuery(text="", tags=("FEEDBACK",)))[0].credential.id == "a"
        )
        assert (
            tx.search_credentials(CatalogQuery(text="", framework="iste")) == []
        )  # v2 dropped the alignment
        assert [h.credential.id for h in tx.search_credentials(CatalogQuery(text="group"))] == ["b"]
        assert len(tx.search_credentials(CatalogQuery(text="", limit=1))) == 1
        # query syntax of the engines is never interpreted
        assert (
            tx.search_credentials(CatalogQuery(text='"group" OR NEAR( * : ^ -- \' ;')) is not None
        )


def test_search_words_and_filters_together(store: Any) -> None:
    """The filters narrow a full-text search, and follow a credential's newest version."""
    from mcembed import Alignment

    iste = (Alignment(framework="ISTE Standards for Educators", code="2.7"),)
    with store.transaction() as tx:
        tx.add_credential(
            make_credential(
                "a",
                name="Feedback loops",
                tags=("feedback",),
                alignments=iste,
                addresses=("students ignore written feedback",),
            )
        )
        tx.add_credential(
            make_credential(
                "b",
                name="Feedback conferences",
                tags=("Feedback", "talk"),
                addresses=("feedback arrives too late",),
            )
        )
        tx.add_credential(make_credential("c", name="Feedback by video"))
        # without the word, which tells the three apart (in fewer than half)
        tx.add_credential(make_credential("d", name="Group roles", tags=("talk",)))
        for other in ("Exit tickets", "Wait time", "Number talks"):
            tx.add_credential(make_credential(other.lower().replace(" ", "-"), name=other))

    def ids(**filters: Any) -> list[str]:
        with store.transaction() as tx:
            hits = tx.search_credentials(CatalogQuery(text="feedback", **filters))
        return sorted(h.credential.id for h in hits)

    assert ids() == ["a", "b", "c"]
    assert ids(tags=("feedback",)) == ["a", "b"]
    assert ids(tags=("feedback", "talk")) == ["b"]
    assert ids(framework="iste") == ["a"]
    assert ids(framework="iste", code="2.7") == ["a"]
    assert ids(framework="iste", tags=("talk",)) == []
    with store.transaction() as tx:  # a new version without the tag or the alignment
        tx.add_credential(
            replace(make_credential("a", name="Feedback loops, revised"), version="2")
        )
    assert ids(tags=("feedback",)) == ["b"]
    assert ids(framework="iste") == []
    with store.transaction() as tx:
        hits = tx.search_credentials(CatalogQuery(text="feedback"))
    assert sorted((h.credential.id, h.credential.version) for h in hits) == [
        ("a", "2"),
        ("b", "1"),
        ("c", "1"),
    ]


def test_search_matches_on_the_words_that_tell_credentials_apart(store: Any) -> None:
    """A word in every credential ('students') does not drag them all into the results."""
    with store.transaction() as tx:
        tx.add_credential(make_credential("fractions", name="Teaching fractions with models"))
        for i in range(4):
            tx.add_credential(make_credential(f"c{i}", name=f"Discussion protocols {i}"))
    with store.transaction() as tx:
        hits = tx.search_credentials(CatalogQuery(text="students struggle with fractions"))
        assert [h.credential.id for h in hits] == ["fractions"]
        assert len(tx.search_credentials(CatalogQuery(text="students"))) == 5
        assert tx.search_credentials(CatalogQuery(text="xylophone")) == []


def test_list_submissions_filters(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_submission(new_submission("sub_1"))
        tx.add_submission(new_submission("sub_2", learner_id="other"))
        tx.add_submission(new_submission("sub_3", course_id="course-2"))
    with store.transaction() as tx:
        assert tx.list_submissions(SubmissionFilter(course_id="course-1")).total == 2
        assert tx.list_submissions(SubmissionFilter(learner_id="other")).items[0].id == "sub_2"
        assert tx.list_submissions(SubmissionFilter(states=(SubmissionState.AWARDED,))).total == 0


def test_a_definition_is_found_by_its_image(store: Any) -> None:
    """Any version of a credential or stack names the images that are public."""
    from mcembed import Stack

    first = "sha256:" + "a" * 64
    later = "sha256:" + "b" * 64
    badge = "sha256:" + "c" * 64
    with store.transaction() as tx:
        tx.add_credential(make_credential(image=first))
        tx.add_credential(replace(make_credential(image=later), version="2"))
        tx.add_stack(
            Stack(
                id="impact-stack",
                version="1",
                name="Impact stack",
                summary="Shows impact.",
                members=("evaluate-impact",),
                pack_id="test-pack",
                image=badge,
            )
        )
    with store.transaction() as tx:
        old = tx.find_definition_with_image(first)
        assert (old.id, old.version) == ("evaluate-impact", "1")
        assert tx.find_definition_with_image(later).version == "2"
        assert tx.find_definition_with_image(badge).id == "impact-stack"
        assert tx.find_definition_with_image("sha256:" + "d" * 64) is None
        assert tx.find_definition_with_image("") is None
