"""Registration links hold the same contract on every store: found by the hash
of their secret only, taken once (even by two at the same moment), never
after they expire."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from factories import NOW
from mcembed import Conflict, NotFound
from mcembed.registration_links import RegistrationLink, hash_link_secret


def make_link(lid: str = "reg_1", secret: str = "mcr_one", **over: Any) -> RegistrationLink:
    values: dict[str, Any] = {
        "id": lid,
        "prefix": secret[:12],
        "secret_hash": hash_link_secret(secret),
        "note": "Riverbend Moodle",
        "created_by": "admin",
        "created_at": NOW,
        "expires_at": NOW + timedelta(days=1),
    }
    values.update(over)
    return RegistrationLink(**values)


def test_a_link_is_found_by_the_hash_of_its_secret(store: Any) -> None:
    link = make_link()
    with store.transaction() as tx:
        tx.add_registration_link(link)
    with store.transaction() as tx:
        assert tx.find_registration_link(hash_link_secret("mcr_one")) == link
        assert tx.find_registration_link(hash_link_secret("mcr_other")) is None


def test_a_second_link_with_the_same_id_or_secret_is_refused(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_registration_link(make_link())
    with pytest.raises(Conflict), store.transaction() as tx:
        tx.add_registration_link(make_link("reg_2"))
    with pytest.raises(Conflict), store.transaction() as tx:
        tx.add_registration_link(make_link(secret="mcr_two"))


def test_a_link_is_taken_once(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_registration_link(make_link())
    at = NOW + timedelta(minutes=5)
    with store.transaction() as tx:
        taken = tx.take_registration_link(hash_link_secret("mcr_one"), at)
    assert taken is not None
    assert taken.used_at == at
    with store.transaction() as tx:
        assert tx.take_registration_link(hash_link_secret("mcr_one"), at) is None
        assert tx.find_registration_link(hash_link_secret("mcr_one")) == taken


def test_an_expired_link_is_not_taken(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_registration_link(make_link())
    with store.transaction() as tx:
        late = NOW + timedelta(days=1)
        assert tx.take_registration_link(hash_link_secret("mcr_one"), late) is None
        assert tx.find_registration_link(hash_link_secret("mcr_one")).used_at is None


def test_a_take_rolled_back_leaves_the_link_unused(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_registration_link(make_link())

    def take_then_fail() -> None:
        with store.transaction() as tx:
            assert tx.take_registration_link(hash_link_secret("mcr_one"), NOW) is not None
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        take_then_fail()
    with store.transaction() as tx:
        assert tx.find_registration_link(hash_link_secret("mcr_one")).used_at is None


def test_a_link_records_its_platform_and_can_be_given_back(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_registration_link(make_link())
        taken = tx.take_registration_link(hash_link_secret("mcr_one"), NOW)
    assert taken is not None
    with store.transaction() as tx:
        tx.update_registration_link(replace(taken, used_at=None))
    with store.transaction() as tx:
        again = tx.take_registration_link(hash_link_secret("mcr_one"), NOW)
        assert again is not None
        done = replace(again, platform_id="plt_9", issuer="https://moodle.example.org")
        tx.update_registration_link(done)
    with store.transaction() as tx:
        assert tx.find_registration_link(hash_link_secret("mcr_one")) == done
    with pytest.raises(NotFound), store.transaction() as tx:
        tx.update_registration_link(make_link("reg_404", secret="mcr_none"))


def test_links_are_listed_newest_first(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_registration_link(make_link())
        tx.add_registration_link(
            make_link(
                "reg_2",
                "mcr_two",
                created_at=NOW + timedelta(hours=1),
                expires_at=NOW + timedelta(days=2),
            )
        )
    with store.transaction() as tx:
        assert [x.id for x in tx.list_registration_links()] == ["reg_2", "reg_1"]


def test_two_registrations_racing_with_one_link_take_it_once(store: Any) -> None:
    with store.transaction() as tx:
        tx.add_registration_link(make_link())
    barrier = threading.Barrier(4)
    won: list[RegistrationLink] = []

    def take() -> None:
        barrier.wait()
        with store.transaction() as tx:
            found = tx.take_registration_link(hash_link_secret("mcr_one"), NOW)
        if found is not None:
            won.append(found)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
