"""A small world for the community tests: two credentials and a stack of both,
an instructor, a coach, learners, and helpers that walk the learner's path."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from factories import make_credential, reflection, scores
from mcembed import (
    Actor,
    Award,
    Credential,
    FixedClock,
    Person,
    Role,
    SequentialIds,
    Service,
    Stack,
    Submission,
)
from mcembed.community import Community
from mcembed.storage import MemoryBlobStore

COURSE = "course-1"
INSTRUCTOR = Actor(
    id="teacher-1", course_id=COURSE, roles=frozenset({Role.INSTRUCTOR}), name="Tess Teacher"
)
COACH = Actor(
    id="coach-1", course_id=COURSE, roles=frozenset({Role.TEACHING_ASSISTANT}), name="Cora Coach"
)
OTHER_INSTRUCTOR = Actor(
    id="teacher-9", course_id="course-9", roles=frozenset({Role.INSTRUCTOR}), name="Otto Other"
)
ADMIN = Actor.system()
STACK_ID = "learning-leadership"


def learner(n: int, course: str = COURSE) -> Actor:
    return Actor(id=f"learner-{n}", course_id=course, name=f"Learner {n:02d}")


class FakeRecognizer:
    """Signs nothing; gives each award an Open Badges-shaped document, as the
    badges' recognizer does, so exports have something to bundle."""

    def recognize(
        self, award: Award, definition: Credential | Stack, learner: Person
    ) -> Mapping[str, Any]:
        achievement = f"urn:example:achievement:{definition.id}:{definition.version}"
        return {
            "credential": {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "id": f"urn:example:credential:{award.id}",
                "type": ["VerifiableCredential", "OpenBadgeCredential"],
                "issuer": {"id": "https://issuer.example", "type": ["Profile"], "name": "Ex"},
                "validFrom": award.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "credentialSubject": {
                    "type": ["AchievementSubject"],
                    "identifier": [{"type": "IdentityObject", "hashed": True}],
                    "achievement": {
                        "id": achievement,
                        "type": ["Achievement"],
                        "name": definition.name,
                    },
                },
                "proof": [{"type": "DataIntegrityProof", "proofValue": "z-fake"}],
            },
            "jwt": f"eyJhbGciOiJFZERTQSJ9.{award.id}.c2ln",
        }


@dataclass
class World:
    service: Service
    community: Community
    clock: FixedClock

    def people(self, *actors: Actor) -> list[Person]:
        return [Person(id=a.id, name=a.name, email=a.email) for a in actors]

    def known(self, *actors: Actor) -> None:
        """Make people known to the instance, as a launch does."""
        with self.service.store.transaction() as tx:
            for p in self.people(*actors):
                tx.put_person(p)

    def start(self, actor: Actor, credential_id: str = "evaluate-impact") -> Submission:
        return self.service.start_submission(actor, credential_id)

    def submit(self, actor: Actor, credential_id: str = "evaluate-impact") -> Submission:
        sub = self.start(actor, credential_id)
        self.service.save_draft(actor, sub.id, [reflection()])
        self.service.attach_file(
            actor, sub.id, "plan", "plan.txt", b"Week 1: survey; week 6: observe."
        )
        return self.service.submit(actor, sub.id)

    def not_yet(self, actor: Actor, credential_id: str = "evaluate-impact") -> Submission:
        sub = self.submit(actor, credential_id)
        return self.service.record_review(
            INSTRUCTOR, sub.id, scores(design="Developing", impact="Proficient")
        ).submission

    def resubmit(self, actor: Actor, submission_id: str) -> Submission:
        self.service.save_draft(
            actor, submission_id, [reflection("Now I tie every session to a measured outcome.")]
        )
        return self.service.submit(actor, submission_id)

    def award(self, actor: Actor, credential_id: str = "evaluate-impact") -> Award:
        sub = self.submit(actor, credential_id)
        outcome = self.service.record_review(
            INSTRUCTOR, sub.id, scores(design="Proficient", impact="Exemplary")
        )
        assert outcome.award is not None
        return outcome.award


def make_world(store: Any, clock: FixedClock) -> World:
    service = Service(
        store, MemoryBlobStore(), clock=clock, ids=SequentialIds(), recognizer=FakeRecognizer()
    )
    with store.transaction() as tx:
        tx.add_credential(make_credential())
        tx.add_credential(
            make_credential("plan-learning", name="Plan professional learning", content_hash="h2")
        )
        tx.add_stack(
            Stack(
                id=STACK_ID,
                version="1",
                name="Learning leadership",
                summary="Plans professional learning and shows its impact.",
                members=("evaluate-impact", "plan-learning"),
                pack_id="test-pack",
            )
        )
    world = World(service=service, community=service.community, clock=clock)
    world.known(INSTRUCTOR, COACH, OTHER_INSTRUCTOR, *(learner(n) for n in range(1, 13)))
    return world
