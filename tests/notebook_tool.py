"""The LTI tool as connected notebooks meet it: the real Flask app (``create_app``) on a
fresh instance with a did:key-free issuer, the example pack, the data-literacy
credential placed in one course, and personal tokens made by the core's token rules
(``tool.tokens``), as the learner page makes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from lti_platform import ManualDispatcher
from mcembed import Actor, Person, Role, Service, load_pack
from mcembed.badges import IssuerProfile, init_issuer
from mcembed.clock import FixedClock
from mcembed.config import Settings
from mcembed.placements import Placement

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_PACK = ROOT / "examples" / "professional-learning"
DATA_CREDENTIAL = "analyse-assessment-data-python"
COURSE = "course-1"
LEARNER = Actor(id="learner-lee", course_id=COURSE, name="Lee Learner")
OTHER = Actor(id="learner-sam", course_id=COURSE, name="Sam Other")
TEACHER = Actor(
    id="teacher-tess", course_id=COURSE, roles=frozenset({Role.INSTRUCTOR}), name="Tess Teacher"
)


def make_tool_app(instance: Path, base_url: str = "http://localhost", **config: Any) -> Any:
    """The tool, with its issuer, the example pack and the data credential placed in COURSE."""
    from mcembed_lti import create_app

    init_issuer(
        Settings(instance=instance),
        IssuerProfile(
            name="Riverbend District", url="https://riverbend.example.org", base_url=base_url
        ),
    )
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE": str(instance),
            "GRADE_DISPATCHER": ManualDispatcher(),
            "BADGE_FETCH": None,
            **config,
        }
    )
    tool = app.extensions["mcembed_lti"]
    tool.service.add_pack(Actor.system(), load_pack(EXAMPLE_PACK))
    now = datetime.now(UTC)
    with tool.service.store.transaction() as tx:
        tx.put_placement(
            Placement(
                id="plc_notebook",
                platform_id="plt_1",
                course_id=COURSE,
                resource_link_id="link-notebook",
                credential_id=DATA_CREDENTIAL,
                created_at=now,
                updated_at=now,
            )
        )
    return app


def tool_of(app: Any) -> Any:
    return app.extensions["mcembed_lti"]


def personal_token(app: Any, actor: Actor = LEARNER, *, review: bool = False) -> str:
    """A personal token as the learner page makes it (``review``: an instructor's)."""
    scopes = ("learner", "review") if review else ("learner",)
    return str(tool_of(app).tokens.create_personal(actor, scopes=scopes).secret)


def seed_cohort(service: Service) -> str:
    """A cohort of Lee and Sam: Lee started (the first checkpoint done, the
    second on track), Sam did nothing (late, then not started)."""
    c = service.community
    now = datetime.now(UTC)
    with service.store.transaction() as tx:
        for a in (LEARNER, OTHER):
            tx.put_person(Person(id=a.id, name=a.name))
    cohort = c.create_cohort(
        TEACHER, name="Data <b>literacy</b> circle", credential_ids=[DATA_CREDENTIAL]
    )
    c.add_members(TEACHER, cohort.id, [Person(id=a.id, name=a.name) for a in (LEARNER, OTHER)])
    c.add_checkpoint(
        TEACHER,
        cohort.id,
        title="Notebook started",
        due_at=now + timedelta(days=-2),
        credential_id=DATA_CREDENTIAL,
        step="started",
    )
    c.add_checkpoint(
        TEACHER,
        cohort.id,
        title="Notebook submitted",
        due_at=now + timedelta(days=10),
        credential_id=DATA_CREDENTIAL,
        step="submitted",
    )
    real, service.clock = service.clock, FixedClock(now - timedelta(days=5))
    try:  # Lee started before the first checkpoint was due
        service.start_submission(LEARNER, DATA_CREDENTIAL)
    finally:
        service.clock = real
    return str(cohort.id)
