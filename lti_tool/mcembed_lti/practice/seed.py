"""First start of the demo: register the tool with the practice LMS, and give
the course a cohort that is under way (members, checkpoints, meetings, and
evidence submitted, reviewed and awarded through the core), so a newcomer
sees a filled-in progress board."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from mcembed import Actor, CriterionScore, EvidenceItem, EvidenceKind, Pack, Person, Role, Service
from mcembed.clock import FixedClock
from mcembed.launches import course_key, person_key
from mcembed.lms import Lms
from mcembed.platforms import Deployment, DeploymentPolicy, Platform
from mcembed.rosters import RosterMember

from .course import COURSE, MEMBERS, Member, member

__all__ = [
    "CLIENT_ID",
    "DEPLOYMENT_ID",
    "SEED_CREDENTIAL",
    "register_tool",
    "seed_cohort",
]

CLIENT_ID = "mcembed-practice-tool"
DEPLOYMENT_ID = "practice-deployment-1"
SEED_CREDENTIAL = "digital-formative-assessment"
SEED_STACK = "data-informed-classroom-practice"
SEED_ITEM_ANALYSIS = "item-analysis-feedback-python"


def register_tool(lms: Lms, *, issuer: str, base: str) -> Platform:
    """The practice LMS's registration in the tool's platform storage, made on
    the first start and pointed at ``base`` when the demo moves to another port
    (same platform id, so people and courses stay who they were)."""
    urls = {
        "auth_login_url": f"{base}/practice/auth",
        "auth_token_url": f"{base}/practice/token",
        "key_set_url": f"{base}/practice/jwks",
    }
    platform = lms.find_platform(issuer, CLIENT_ID)
    if platform is None:
        return lms.add_platform(
            Actor.system("demo"),
            issuer=issuer,
            client_id=CLIENT_ID,
            name="Practice LMS",
            product="practice",
            deployment_policy=DeploymentPolicy.LISTED,
            deployment_ids=[DEPLOYMENT_ID],
            **urls,
        )
    if all(getattr(platform, k) == v for k, v in urls.items()):
        return platform
    moved = replace(platform, **urls)
    with lms.store.transaction() as tx:
        deployments = tx.list_deployments(platform.id)
        tx.remove_platform(platform.id)
        tx.add_platform(moved)
        for d in deployments or [
            Deployment(
                platform_id=platform.id, deployment_id=DEPLOYMENT_ID, created_at=lms.clock.now()
            )
        ]:
            tx.add_deployment(d)
    return moved


def actor_for(platform: Platform, who: Member) -> Actor:
    """The mcembed actor a launch of ``who`` becomes (same ids as a real launch)."""
    roles = set()
    if who.is_instructor:
        roles.add(Role.INSTRUCTOR)
    if "TeachingAssistant" in who.roles:
        roles.add(Role.TEACHING_ASSISTANT)
    return Actor(
        id=person_key(platform.id, who.user_id),
        course_id=course_key(platform.id, DEPLOYMENT_ID, COURSE.context_id),
        roles=frozenset(roles or {Role.LEARNER}),
        name=who.name,
        email=who.email,
    )


def pdf(title: str, lines: list[str]) -> bytes:
    """A small one-page PDF with ``title`` and ``lines`` of text."""

    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    body = ["BT /F1 16 Tf 56 780 Td (" + esc(title) + ") Tj ET"]
    y = 750
    for line in lines:
        body.append(f"BT /F1 11 Tf 56 {y} Td (" + esc(line) + ") Tj ET")
        y -= 16
    stream = "\n".join(body).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def reflection(subject: str, tool_name: str, finding: str, change: str) -> str:
    """A lesson reflection of about 330 words, in a teacher's voice."""
    return (
        f"I teach {subject}, and in this unit I placed three digital checkpoints in one "
        f"lesson using {tool_name}: a hinge question after the worked example, a two-item "
        "exit ticket, and a quick confidence check before the practice task. Before the "
        "lesson I wrote down what I would do for each likely pattern of answers, so that "
        "the checkpoint would change what happened next and not only tell me how the "
        "class felt. "
        f"The hinge question showed me that {finding}. About a third of the class chose "
        "the same wrong option, and when I looked at the reasons they typed, almost all of "
        "them had applied the rule from the previous lesson without checking whether it "
        "fitted. I stopped the planned practice, put two anonymous answers side by side on "
        "the board, and asked the class to decide which reasoning held up and why. Then I "
        "gave a second, similar question; most of the students who had been wrong the first "
        "time now chose the right answer and could say why. "
        "The exit ticket let me write feedback that students could act on the next day. "
        "Instead of marks, each student got one comment that named the step to fix and a "
        "short task to try, and the first five minutes of the next lesson were for doing "
        "that task. I checked the follow-up task and saw that most comments had been used. "
        "I was careful with privacy: the tool is the one our district approved, students "
        "log in with school accounts, no names were shown on the board, and students who "
        "could not use a device answered on paper cards that I entered myself, so nobody "
        "was left out of the data. "
        f"Next time I will {change}, because the confidence check told me less than I "
        "hoped: students rated themselves highly even when their answers were wrong, so on "
        "its own it is not evidence I can act on. I will pair it with one quick question."
    )


def _evidence(who: Member, subject: str, finding: str, change: str) -> list[EvidenceItem]:
    return [
        EvidenceItem(
            requirement_id="student-responses",
            kind=EvidenceKind.LINK,
            url=f"https://drive.riverbend.example.org/{who.given_name.lower()}/checkpoint-responses",
        ),
        EvidenceItem(
            requirement_id="lesson-reflection",
            kind=EvidenceKind.REFLECTION,
            text=reflection(subject, "the district's quiz tool", finding, change),
        ),
        EvidenceItem(
            requirement_id="peer-observation", kind=EvidenceKind.ATTESTATION, attested=True
        ),
    ]


def _submit(service: Service, learner: Actor, who: Member, **story: str) -> str:
    sub = service.start_submission(learner, SEED_CREDENTIAL)
    service.save_draft(learner, sub.id, _evidence(who, **story))
    service.attach_file(
        learner,
        sub.id,
        "lesson-plan",
        "lesson-plan.pdf",
        pdf(
            f"Lesson plan with checkpoints - {who.name}",
            [
                "Objective: explain the reasoning behind each step.",
                "Checkpoint 1 (minute 15): hinge question, four options, each wrong one telling.",
                "  If most are right: move on. If one distractor dominates: compare two answers.",
                "Checkpoint 2 (minute 40): two-item exit ticket with a reason box.",
                "Checkpoint 3: confidence check before practice.",
                "Follow-up: five minutes at the start of the next lesson for the feedback task.",
            ],
        ),
    )
    return str(service.submit(learner, sub.id).id)


@contextmanager
def _happening(service: Service, at: datetime) -> Iterator[None]:
    """Record what the story says happened at ``at`` (the cohort is two months
    in: Marcus submitted before the first checkpoint, not on the day the demo
    first started), then go back to the real clock."""
    real = service.clock
    community = service.community
    service.clock = community.clock = FixedClock(at)
    try:
        yield
    finally:
        service.clock = community.clock = real


def _scores(levels: dict[str, str], feedback: dict[str, str]) -> list[CriterionScore]:
    return [
        CriterionScore(criterion_id=c, level=lv, feedback=feedback.get(c, ""))
        for c, lv in levels.items()
    ]


def seed_cohort(service: Service, platform: Platform, pack: Pack) -> str:
    """The course's roster and a cohort; returns the cohort's id. Run once per
    instance. On the example pack the cohort is under way (submissions,
    reviews, awards); on another pack it pursues that pack's first stack (or
    credential) and nobody has started yet."""
    people = {m.user_id: actor_for(platform, m) for m in MEMBERS}
    now = service.clock.now()
    with service.store.transaction() as tx:
        for m in MEMBERS:
            a = people[m.user_id]
            tx.put_person(Person(id=a.id, name=a.name, email=a.email))
            # as an earlier roster read left it: a day old, so opening the
            # tool's Roster reads the roster again through NRPS
            tx.put_roster_member(
                RosterMember(
                    course_id=a.course_id,
                    person_id=a.id,
                    user_id=m.user_id,
                    name=m.name,
                    email=m.email,
                    roles=a.roles,
                    synced_at=now - timedelta(days=1),
                )
            )
    known = {c.id for c in service.list_credentials()}
    stacks = {st.id for st in service.list_stacks()}
    if {SEED_CREDENTIAL, SEED_ITEM_ANALYSIS} <= known and SEED_STACK in stacks:
        return _example_cohort(service, people, now)
    return _pack_cohort(service, people, now, pack)


def _pack_cohort(service: Service, people: dict[str, Actor], now: Any, pack: Pack) -> str:
    """A cohort for a facilitator's own pack: members, checkpoints, meetings."""
    instructor = people["u-amara-okafor"]
    coach = people["u-jonah-whitfield"]
    c = service.community
    stack = pack.stacks[0] if pack.stacks else None
    credential_ids = [] if stack else [pack.credentials[0].id]
    cohort = c.create_cohort(
        instructor,
        name=f"{pack.name}: practice cohort",
        stack_id=stack.id if stack else None,
        credential_ids=credential_ids,
        facilitators=[instructor.id, coach.id],
        description="The practice course's teachers, trying this pack before it is deployed.",
    )
    c.add_members(instructor, cohort.id, _learners(people))
    first = stack.members[0] if stack else credential_ids[0]
    for title, days, step in (
        ("Started", 7, "started"),
        ("Evidence submitted", 21, "submitted"),
        ("Awarded", 35, "awarded"),
    ):
        c.add_checkpoint(
            instructor,
            cohort.id,
            title=title,
            due_at=now + timedelta(days=days),
            credential_id=first,
            step=step,
        )
    for kind, title, days in (
        ("orientation", "Orientation", 2),
        ("coaching", "Coaching visits", 14),
        ("showcase", "Showcase", 42),
    ):
        c.add_meeting(instructor, cohort.id, kind=kind, title=title, at=now + timedelta(days=days))
    return str(cohort.id)


def _learners(people: dict[str, Actor]) -> list[Person]:
    return [
        Person(id=people[m.user_id].id, name=m.name, email=m.email) for m in MEMBERS if m.is_learner
    ]


def _example_cohort(service: Service, people: dict[str, Actor], now: Any) -> str:
    """The example pack's cohort, two months in."""
    instructor = people["u-amara-okafor"]
    coach = people["u-jonah-whitfield"]
    c = service.community
    with _happening(service, now - timedelta(days=30)):
        cohort = _example_setup(service, instructor, coach, people, now)
    _example_work(service, people, instructor, coach, now)
    # the facilitator has sent the reminders due so far: the late members find
    # theirs on their page (the board's "Send the reminders due now")
    c.send_reminders(instructor, cohort.id)
    return str(cohort.id)


def _example_setup(
    service: Service, instructor: Actor, coach: Actor, people: dict[str, Actor], now: datetime
) -> Any:
    """The cohort as the instructor set it up a month ago."""
    c = service.community
    cohort = c.create_cohort(
        instructor,
        name="Data-informed classroom practice: spring cohort",
        stack_id=SEED_STACK,
        facilitators=[instructor.id, coach.id],
        description=(
            "Five teachers from three schools earn the Data-Informed Classroom Practice stack "
            "together between February and May: digital formative assessment in class first, "
            "then one of the two notebook credentials."
        ),
    )
    c.add_members(instructor, cohort.id, _learners(people))
    checkpoints: list[tuple[str, int, str, str]] = [
        ("Lesson plan and evidence submitted", -3, SEED_CREDENTIAL, "submitted"),
        ("Digital formative assessment awarded", 14, SEED_CREDENTIAL, "awarded"),
        ("Item analysis notebook started", 28, SEED_ITEM_ANALYSIS, "started"),
        ("Item analysis submitted", 49, SEED_ITEM_ANALYSIS, "submitted"),
    ]
    for title, days, credential_id, step in checkpoints:
        c.add_checkpoint(
            instructor,
            cohort.id,
            title=title,
            due_at=now + timedelta(days=days),
            credential_id=credential_id,
            step=step,
        )
    meetings: list[tuple[str, str, int, str, str]] = [
        (
            "orientation",
            "Orientation: dates, expectations and the rubric",
            -24,
            "Welcome; how the stack is earned; read the rubric together; choose the lesson "
            "for the first checkpoint.",
            "Library, Riverbend Middle School",
        ),
        (
            "coaching",
            "Coaching visits: the first checkpoint lesson",
            -6,
            "Jonah observes each lesson with a checkpoint and confirms the peer observation.",
            "In each classroom",
        ),
        (
            "brainstorm",
            "Brainstorm: turning what we learned into a unit",
            10,
            "Bring one checkpoint that changed your lesson; plan where it goes in the next unit.",
            "Online (district video room)",
        ),
        (
            "showcase",
            "Showcase for colleagues",
            56,
            "Each member shows one piece of evidence they chose to share and answers questions.",
            "Riverbend Middle School, room 114",
        ),
    ]
    for kind, title, days, agenda, place in meetings:
        c.add_meeting(
            instructor,
            cohort.id,
            kind=kind,
            title=title,
            at=now + timedelta(days=days),
            agenda=agenda,
            place=place,
        )
    return cohort


def _example_work(
    service: Service, people: dict[str, Actor], instructor: Actor, coach: Actor, now: datetime
) -> None:
    """What the members did since: each step on the day the story puts it."""

    def who(user_id: str) -> tuple[Actor, Member]:
        found = member(user_id)
        assert found is not None
        return people[user_id], found

    # Marcus: awarded on his first attempt
    marcus, m = who("u-marcus-chen")
    with _happening(service, now - timedelta(days=9)):
        sid = _submit(
            service,
            marcus,
            m,
            subject="grade 8 mathematics",
            finding="many students read the slope as the intercept when the line missed the origin",
            change="use the confidence check only together with a question",
        )
    with _happening(service, now - timedelta(days=6)):
        service.record_review(
            instructor,
            sid,
            _scores(
                {
                    "checkpoint-design": "Exemplary",
                    "responsive-teaching": "Proficient",
                    "actionable-feedback": "Proficient",
                    "accessible-and-private": "Proficient",
                },
                {
                    "checkpoint-design": (
                        "Each wrong option of the hinge question names one mistake."
                    ),
                    "responsive-teaching": (
                        "You changed the lesson on the spot and checked it worked."
                    ),
                },
            ),
            feedback="A clear, responsive lesson. Share the hinge question at the brainstorm.",
        )
    # Priya: "not yet", revising
    priya, p = who("u-priya-raman")
    with _happening(service, now - timedelta(days=8)):
        sid = _submit(
            service,
            priya,
            p,
            subject="grade 6 English",
            finding="students could find the claim but not the evidence that supported it",
            change="plan in advance what I will do for each answer pattern",
        )
    with _happening(service, now - timedelta(days=5)):
        service.record_review(
            coach,
            sid,
            _scores(
                {
                    "checkpoint-design": "Proficient",
                    "responsive-teaching": "Developing",
                    "actionable-feedback": "Proficient",
                    "accessible-and-private": "Proficient",
                },
                {
                    "responsive-teaching": (
                        "The reflection says what the checkpoint showed, but not what you did "
                        "differently in the lesson because of it. Describe the change you made "
                        "and how you checked it helped."
                    ),
                },
            ),
            feedback="Nearly there: one criterion needs the story of how the lesson changed.",
        )
    # Diego: submitted, waiting for review
    diego, d = who("u-diego-alvarez")
    with _happening(service, now - timedelta(days=4)):
        _submit(
            service,
            diego,
            d,
            subject="grade 7 history",
            finding="students mixed up cause and consequence in the timeline task",
            change="give the hinge question earlier, before the group work",
        )
    # Sofia: a draft under way
    sofia, _ = who("u-sofia-rossi")
    with _happening(service, now - timedelta(days=2)):
        sub = service.start_submission(sofia, SEED_CREDENTIAL)
        service.save_draft(
            sofia,
            sub.id,
            [
                EvidenceItem(
                    requirement_id="student-responses",
                    kind=EvidenceKind.LINK,
                    url="https://drive.riverbend.example.org/sofia/fractions-exit-tickets",
                )
            ],
        )


def describe(service: Service, platform: Platform) -> dict[str, Any]:
    """Ids a test or the README can use to find the seeded data."""
    people = {m.user_id: actor_for(platform, m) for m in MEMBERS}
    return {"course_id": people["u-amara-okafor"].course_id, "people": people}
