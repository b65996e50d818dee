"""The learner's community pages through real launches: My page
(notifications, recommendations, goals, search), the portfolio with share
links and exports, and the expertise directory; with the privacy guarantees
(an anonymous sender never shows, nobody is listed without opting in, a
revoked share link is dead, nobody sees another's evidence)."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from community_pages import awarded, launch, page, person, post

from lti_platform import REFLECTION

CRED = "evaluate-impact"


def test_my_page_searches_the_catalog_from_a_problem(lti: Any, client: Any) -> None:
    ana = launch(lti, "Learner", "ana", "Ana Alvarez")
    status, html = page(client, "/community/me", ana, q="students+tune+out+during+group+work")
    assert status == 200
    assert "Find a credential for a problem" in html
    assert "Recommend it to a colleague" in html


def test_an_anonymous_peer_recommendation_never_shows_its_sender(
    lti: Any, client: Any, app: Any
) -> None:
    sam = launch(lti, "Learner", "sam", "Sam Sender")
    ana = launch(lti, "Learner", "ana", "Ana Alvarez")
    _, html = page(client, "/community/me", sam)
    assert "Ana Alvarez" in html  # offered as a recipient
    resp = post(
        client,
        "/community/me/recommend",
        sam,
        html,
        credential=CRED,
        recipient=person(app, ana.id).person_id,
        note="You would love this.",
        anonymous="yes",
    )
    assert resp.status_code == 303
    status, html = page(client, "/community/me", ana)
    assert status == 200
    assert "You would love this." in html
    assert "A colleague" in html or "a colleague" in html
    # the recipient's notifications and recommendations never name the sender
    # (the recommendation form further down offers everyone in the course)
    addressed = html.split('id="find"', 1)[0]
    assert "Sam Sender" not in addressed
    assert person(app, sam.id).person_id not in addressed
    assert "Sam" not in html.split("<option", 1)[0]
    _, sent = page(client, "/community/me", sam)
    assert "(anonymously)" in sent


def test_accepting_makes_a_goal_and_declining_does_not(lti: Any, client: Any, app: Any) -> None:
    teacher = launch(lti, "Instructor", "teacher-1", "Tess Teacher")
    ana = launch(lti, "Learner", "ana", "Ana Alvarez")
    _, html = page(client, "/community/me", teacher)
    assert "Send anonymously" not in html  # instructors recommend under their name
    resp = post(
        client,
        "/community/me/recommend",
        teacher,
        html,
        credential=CRED,
        recipient=[person(app, ana.id).person_id],
        note="For your team.",
    )
    assert resp.status_code == 303
    _, html = page(client, "/community/me", ana)
    assert "From Tess Teacher" in html
    rid = re.search(r'/community/me/recommendations/([^"/]+)"', html).group(1)
    resp = post(client, f"/community/me/recommendations/{rid}", ana, html, answer="accept")
    assert resp.status_code == 303
    _, html = page(client, "/community/me", ana)
    assert "My goals" in html
    assert (
        post(
            client, f"/community/me/recommendations/{rid}", ana, html, answer="decline"
        ).status_code
        == 409
    )


def test_one_cannot_answer_anothers_recommendation(lti: Any, client: Any, app: Any) -> None:
    teacher = launch(lti, "Instructor", "teacher-1", "Tess Teacher")
    ana = launch(lti, "Learner", "ana", "Ana Alvarez")
    ben = launch(lti, "Learner", "ben", "Ben Brown")
    _, html = page(client, "/community/me", teacher)
    post(
        client,
        "/community/me/recommend",
        teacher,
        html,
        credential=CRED,
        recipient=person(app, ana.id).person_id,
    )
    _, html = page(client, "/community/me", ana)
    rid = re.search(r'/community/me/recommendations/([^"/]+)"', html).group(1)
    assert (
        post(client, f"/community/me/recommendations/{rid}", ben, answer="accept").status_code
        == 404
    )


def test_the_portfolio_shows_awards_rubric_and_exports(lti: Any, client: Any) -> None:
    ana, _ = awarded(lti, client, "ana", "Ana Alvarez")
    status, html = page(client, "/community/portfolio/", ana)
    assert status == 200
    assert "Proficient" in html
    assert "Exemplary" in html
    assert "Evidence to show others" in html
    resp = client.get(f"/community/portfolio/export.zip?launch={ana.id}")
    assert resp.status_code == 200
    assert resp.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(resp.data)).namelist()
    assert names
    award_id = re.search(r'id="award-([^"]+)"', html).group(1)
    resp = client.get(f"/community/portfolio/clr/{award_id}.json?launch={ana.id}")
    assert resp.status_code == 409  # a single credential: the record is for a completed stack
    assert "completed stack" in resp.get_data(as_text=True)


def test_share_links_show_only_shared_evidence_and_die_when_revoked(lti: Any, client: Any) -> None:
    ana, _ = awarded(lti, client, "ana", "Ana Alvarez")
    _, html = page(client, "/community/portfolio/", ana)
    resp = post(client, "/community/portfolio/links", ana, html, label="For the district")
    assert resp.status_code == 201
    made = resp.get_data(as_text=True)
    url = re.search(r'id="new-link">([^<]+)<', made).group(1)
    path = url.split("localhost", 1)[1]
    anonymous = app_client(client)
    public = anonymous.get(path)
    text = public.get_data(as_text=True)
    assert public.status_code == 200
    assert "Ana Alvarez" in text
    assert "Teaching with data" not in text  # never the course
    assert REFLECTION not in text  # nothing shared yet
    assert "Say what" not in text  # never feedback
    award_id = re.search(r'id="award-([^"]+)"', html).group(1)
    post(client, f"/community/portfolio/evidence/{award_id}", ana, html, requirement="reflection")
    assert REFLECTION in anonymous.get(path).get_data(as_text=True)
    _, html = page(client, "/community/portfolio/", ana)
    assert url not in html  # the token is shown once
    link_id = re.search(r'/community/portfolio/links/([^"/]+)/revoke', html).group(1)
    assert (
        post(client, f"/community/portfolio/links/{link_id}/revoke", ana, html).status_code == 303
    )
    dead = anonymous.get(path)
    assert dead.status_code == 404
    assert "revoked it" in dead.get_data(as_text=True)
    assert anonymous.get("/share/not-a-token").status_code == 404


def app_client(client: Any) -> Any:
    """A fresh client: no cookies, no launch."""
    return client.application.test_client()


def test_a_learner_never_sees_anothers_portfolio_evidence(lti: Any, client: Any) -> None:
    ana, _ = awarded(lti, client, "ana", "Ana Alvarez")
    ben = launch(lti, "Learner", "ben", "Ben Brown")
    _, html = page(client, "/community/portfolio/", ana)
    award_id = re.search(r'id="award-([^"]+)"', html).group(1)
    _, mine = page(client, "/community/portfolio/", ben)
    assert REFLECTION not in mine
    assert "Ana Alvarez" not in mine
    assert (
        post(
            client, f"/community/portfolio/evidence/{award_id}", ben, requirement="reflection"
        ).status_code
        == 404
    )
    assert (
        client.get(f"/community/portfolio/clr/{award_id}.json?launch={ben.id}").status_code == 404
    )


def test_the_directory_lists_only_those_who_opted_in(lti: Any, client: Any, app: Any) -> None:
    ana, _ = awarded(lti, client, "ana", "Ana Alvarez")
    ben = launch(lti, "Learner", "ben", "Ben Brown")
    status, html = page(client, "/community/directory/", ben)
    assert status == 200
    assert "Ana Alvarez" not in html
    _, mine = page(client, "/community/directory/", ana)
    assert "You are not listed." in mine
    assert post(client, "/community/directory/join", ana, mine, credential="*").status_code == 303
    _, html = page(client, "/community/directory/", ben)
    assert "Ana Alvarez" in html
    resp = post(
        client,
        "/community/directory/ask",
        ben,
        html,
        holder=person(app, ana.id).person_id,
        credential=CRED,
        message="Could we talk about your evaluation plan?",
    )
    assert resp.status_code == 303
    _, inbox = page(client, "/community/me", ana)
    assert "Ben Brown asks you for mentoring" in inbox
    assert "Could we talk about your evaluation plan?" in inbox
    _, mine = page(client, "/community/directory/", ana)
    assert post(client, "/community/directory/leave", ana, mine).status_code == 303
    _, html = page(client, "/community/directory/", ben)
    assert "Ana Alvarez" not in html


def test_mentoring_is_asked_only_of_listed_holders(lti: Any, client: Any, app: Any) -> None:
    ana, _ = awarded(lti, client, "ana", "Ana Alvarez")
    ben = launch(lti, "Learner", "ben", "Ben Brown")
    resp = post(
        client,
        "/community/directory/ask",
        ben,
        holder=person(app, ana.id).person_id,
        credential=CRED,
        message="Hello",
    )
    assert resp.status_code == 404


def test_notifications_are_marked_read(lti: Any, client: Any, app: Any) -> None:
    teacher = launch(lti, "Instructor", "teacher-1", "Tess Teacher")
    ana = launch(lti, "Learner", "ana", "Ana Alvarez")
    _, html = page(client, "/community/me", teacher)
    post(
        client,
        "/community/me/recommend",
        teacher,
        html,
        credential=CRED,
        recipient=person(app, ana.id).person_id,
    )
    _, html = page(client, "/community/me", ana)
    assert "(new)" in html
    assert post(client, "/community/me/notifications/read", ana, html).status_code == 303
    _, html = page(client, "/community/me", ana)
    assert "(new)" not in html
    assert post(client, "/community/me/notifications/ntf-nope/read", ana, html).status_code == 404


def test_the_menu_links_the_community_pages(lti: Any, client: Any) -> None:
    ana = launch(lti, "Learner", "ana", "Ana Alvarez")
    _, html = page(client, "/learn/", ana)
    for label in ("My page", "Portfolio", "Cohorts", "Who to ask"):
        assert f">{label}</a>" in html
    assert ">Analytics</a>" not in html
    teacher = launch(lti, "Instructor", "teacher-1", "Tess Teacher")
    _, html = page(client, "/review/", teacher)
    for label in ("Cohorts", "Analytics", "My page"):
        assert f">{label}</a>" in html


def test_report_and_goal_removal(lti: Any, client: Any, app: Any) -> None:
    sam = launch(lti, "Learner", "sam", "Sam Sender")
    ana = launch(lti, "Learner", "ana", "Ana Alvarez")
    post(
        client,
        "/community/me/recommend",
        sam,
        credential=CRED,
        recipient=person(app, ana.id).person_id,
        note="Spam spam",
        anonymous="yes",
    )
    _, html = page(client, "/community/me", ana)
    rid = re.search(r'/community/me/recommendations/([^"/]+)"', html).group(1)
    resp = post(client, f"/community/me/recommendations/{rid}/report", ana, reason="Unwanted")
    assert resp.status_code == 303
    assert "notice=reported" in resp.headers["Location"]
    assert (
        post(client, f"/community/me/recommendations/{rid}/report", ana, reason="").status_code
        == 400
    )
    post(client, f"/community/me/recommendations/{rid}", ana, answer="accept")
    _, html = page(client, "/community/me", ana)
    assert "My goals" in html
    assert post(client, f"/community/me/goals/{CRED}/remove", ana).status_code == 303
    _, html = page(client, "/community/me", ana)
    assert "My goals" not in html


def test_shared_files_through_a_share_link(lti: Any, client: Any) -> None:
    ana, _ = awarded(lti, client, "ana", "Ana Alvarez")
    _, html = page(client, "/community/portfolio/", ana)
    award_id = re.search(r'id="award-([^"]+)"', html).group(1)
    post(client, f"/community/portfolio/evidence/{award_id}", ana, requirement="plan")
    made = post(client, "/community/portfolio/links", ana).get_data(as_text=True)
    path = re.search(r'id="new-link">([^<]+)<', made).group(1).split("localhost", 1)[1]
    public = app_client(client)
    text = public.get(path).get_data(as_text=True)
    link = re.search(r'href="(/share/[^"]+/files/[^"]+)"', text).group(1)
    assert public.get(link).data == b"Week 1: survey; week 6: observe."
    assert public.get(link.replace(award_id, "awd-other")).status_code == 404


def test_a_completed_stack_exports_a_signed_clr(
    app_factory: Any, tmp_path: Any, emulator: Any
) -> None:
    """With an issuer, the portfolio offers the CLR 2.0 record of a completed
    stack: a ClrCredential with the stack's and its member's credentials."""
    import json

    from community_pages import ROOT

    from factories import make_credential
    from lti_platform import LtiDriver
    from mcembed import Actor, Settings, Stack, load_pack
    from mcembed.badges import IssuerProfile, init_issuer

    instance = tmp_path / "signed"
    init_issuer(
        Settings(instance=instance),
        IssuerProfile(
            name="Riverbend District",
            url="https://riverbend.example.org",
            base_url="http://localhost",
            slug="main",
        ),
    )
    app = app_factory(instance, BADGE_FETCH=None)
    tool = app.extensions["mcembed_lti"]
    tool.lms.add_platform(
        Actor.system(), **emulator.urls, name="LMS", deployment_ids=[emulator.deployment_id]
    )
    tool.service.add_pack(Actor.system(), load_pack(ROOT / "examples" / "professional-learning"))
    with tool.service.store.transaction() as tx:
        tx.add_credential(make_credential())
        tx.add_stack(
            Stack(
                id="impact-stack",
                version="1",
                name="Impact stack",
                summary="Shows impact.",
                members=(CRED,),
                pack_id="test-pack",
            )
        )
    client = app.test_client()
    lti = LtiDriver(app, client, emulator)
    ana, _ = awarded(lti, client, "ana", "Ana Alvarez")
    _, html = page(client, "/community/portfolio/", ana)
    assert "Impact stack" in html
    clr = re.search(r'href="(/community/portfolio/clr/[^"]+)"', html).group(1).replace("&amp;", "&")
    resp = client.get(clr)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = json.loads(resp.data)
    assert "ClrCredential" in body["credential"]["type"]
    assert body["jwt"].count(".") == 2


def test_a_recommended_stack_links_to_the_stack_page(lti: Any, client: Any, app: Any) -> None:
    stack_id = "data-informed-classroom-practice"
    teacher = launch(lti, "Instructor", "teacher-1", "Tess Teacher")
    ana = launch(lti, "Learner", "ana", "Ana Alvarez")
    _, html = page(client, "/community/me", teacher)
    resp = post(
        client,
        "/community/me/recommend",
        teacher,
        html,
        credential=stack_id,
        recipient=[person(app, ana.id).person_id],
        note="The whole programme.",
    )
    assert resp.status_code == 303
    _, html = page(client, "/community/me", ana)
    links = re.findall(rf'href="(/learn/stacks/{stack_id}\?launch=[^"]+)"', html)
    assert len(links) == 2  # the recommendation and its notification
    assert f"/learn/credentials/{stack_id}" not in html
    assert "Open the stack</a>" in html
    resp = client.get(links[0].replace("&amp;", "&"))
    assert resp.status_code == 200
    assert "Data-Informed Classroom Practice" in resp.get_data(as_text=True)
    # accepted, it is a goal that links to the stack page too
    rid = re.search(r'/community/me/recommendations/([^"/]+)"', html).group(1)
    post(client, f"/community/me/recommendations/{rid}", ana, html, answer="accept")
    _, html = page(client, "/community/me", ana)
    goals = html.split('id="goals"', 1)[1]
    assert f"/learn/stacks/{stack_id}?" in goals
