"""Every URL the tool writes into a document it signs resolves.

A learner earns a credential (and with it a stack) through real launches;
then the OB 3.0 credential, its OB 2.0 hosted assertion and the stack's CLR
are crawled: every URL on the tool's base, and every URL in the documents
those return, answers 200 with the right media type, for a browser and for a
badge tool; a fragment names an element of the page (or an object of the
document). The documents follow the official schemas (OB 3.0) and the OB 2.0
vocabulary."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from community_pages import awarded, page

from factories import make_credential
from lti_platform import LtiDriver
from mcembed import Actor, Settings, Stack
from mcembed.badges import IssuerProfile, badge_png, badge_svg, init_issuer
from mcembed.credentials import Alignment

BASE = "http://localhost"
CRED = "evaluate-impact"
STACK = "impact-stack"
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
JSON = {"Accept": "application/ld+json, application/json;q=0.9"}
JSON_TYPES = {"application/ld+json", "application/json"}
PLAN = b"Week 1: survey; week 6: observe."  # the evidence file the learner uploads


def _schema(name: str) -> dict[str, Any]:
    path = resources.files("mcembed.badges") / "data" / "schemas" / name
    return json.loads(path.read_text())


CREDENTIAL_SCHEMA = _schema("ob_v3p0_achievementcredential_schema.json")
VALIDATORS = {
    "credential": jsonschema.Draft201909Validator(CREDENTIAL_SCHEMA),
    "achievement": jsonschema.Draft201909Validator(
        {
            "$schema": CREDENTIAL_SCHEMA["$schema"],
            "$defs": CREDENTIAL_SCHEMA["$defs"],
            "$ref": "#/$defs/Achievement",
        }
    ),
    "profile": jsonschema.Draft201909Validator(_schema("ob_v3p0_profile_schema.json")),
}
OB2_TERMS = set(
    json.loads(
        (
            resources.files("mcembed.badges") / "data" / "contexts" / "ob_v2p0_context.json"
        ).read_text()
    )["@context"]
)
# OB 2.0: the properties each hosted document must have
OB2_REQUIRED = {
    "Assertion": {"id", "type", "recipient", "badge", "verification", "issuedOn"},
    "BadgeClass": {"id", "type", "name", "description", "image", "criteria", "issuer"},
    "Issuer": {"id", "type", "name", "url"},
}


@pytest.fixture
def issuing(app_factory: Any, tmp_path: Path, emulator: Any) -> tuple[Any, LtiDriver]:
    """A tool with an issuer, a credential with a pack image and alignments, and
    a one-member stack with an SVG image."""
    instance = tmp_path / "hosted"
    init_issuer(
        Settings(instance=instance),
        IssuerProfile(
            name="Riverbend District",
            url="https://riverbend.example.org",
            email="badges@riverbend.example.org",
            base_url=BASE,
            slug="main",
        ),
    )
    app = app_factory(instance, BADGE_FETCH=None)
    tool = app.extensions["mcembed_lti"]
    tool.lms.add_platform(
        Actor.system(), **emulator.urls, name="LMS", deployment_ids=[emulator.deployment_id]
    )
    blobs = tool.service.blobs
    png = blobs.put(badge_png("Evaluate", CRED), "badge.png", max_bytes=10**7).sha256
    svg = blobs.put(badge_svg("Impact stack", STACK), "stack.svg", max_bytes=10**7).sha256
    with tool.service.store.transaction() as tx:
        tx.add_credential(
            make_credential(
                name="Evaluate the <em>impact</em> of professional learning",
                image=f"sha256:{png}",
                alignments=(
                    Alignment(framework="Learning Forward Standards", code="LF-6", name="Outcomes"),
                    Alignment(framework="ISTE", url="https://iste.org/standards/educators"),
                ),
            )
        )
        tx.add_stack(
            Stack(
                id=STACK,
                version="1",
                name="Impact stack",
                summary="Shows impact.",
                members=(CRED,),
                pack_id="test-pack",
                image=f"sha256:{svg}",
            )
        )
    return app, LtiDriver(app, app.test_client(), emulator)


def earned(issuing: tuple[Any, LtiDriver]) -> tuple[Any, dict[str, str]]:
    """Ana earns the credential and the stack; (her launch, award id by credential)."""
    app, lti = issuing
    ana, _ = awarded(lti, lti.client, "ana", "Ana Alvarez")
    awards = app.extensions["mcembed"].list_awards(Actor.system())
    return ana, {a.credential_id: a.id for a in awards}


def tool_urls(value: Any) -> Iterator[str]:
    """Every string on the tool's base in a JSON value."""
    if isinstance(value, dict):
        for item in value.values():
            yield from tool_urls(item)
    elif isinstance(value, list):
        for item in value:
            yield from tool_urls(item)
    elif isinstance(value, str) and value.startswith(BASE + "/"):
        yield value


def ids_in(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if isinstance(value.get("id"), str):
            yield value["id"]
        for item in value.values():
            yield from ids_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from ids_in(item)


def schema_errors(kind: str, document: dict[str, Any]) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in VALIDATORS[kind].iter_errors(document)]


def ob2_problems(document: dict[str, Any]) -> list[str]:
    """What a hosted OB 2.0 document lacks, or says in terms its context does not define."""
    problems = [f"no {p}" for p in OB2_REQUIRED[document["type"]] - set(document)]

    def undefined(value: Any) -> Iterator[str]:
        if isinstance(value, dict):
            for key, item in value.items():
                if key != "@context" and key not in OB2_TERMS:
                    yield key
                yield from undefined(item)
        elif isinstance(value, list):
            for item in value:
                yield from undefined(item)

    problems += [f"term {t!r} is not in the OB 2.0 context" for t in undefined(document)]
    return problems


def check_document(url: str, document: dict[str, Any]) -> None:
    """Each kind of document against its schema."""
    types = document.get("type")
    types = types if isinstance(types, list) else [types]
    if "OpenBadgeCredential" in types:
        assert schema_errors("credential", document) == [], url
    elif "Achievement" in types:
        assert schema_errors("achievement", document) == [], url
    elif "Profile" in types:
        assert schema_errors("profile", document) == [], url
    elif types[0] in OB2_REQUIRED:
        assert document["@context"] == "https://w3id.org/openbadges/v2", url
        assert ob2_problems(document) == [], url


def crawl(client: Any, start: list[Any]) -> dict[str, dict[str, Any]]:
    """Fetch every tool URL reachable from ``start`` as a browser and as a badge
    tool; returns what each (fragment-less) URL answered."""
    queue = [u for document in start for u in tool_urls(document)]
    seen: dict[str, dict[str, Any]] = {}
    fragments: set[str] = set()
    while queue:
        url = queue.pop()
        address, _, fragment = url.partition("#")
        if fragment:
            fragments.add(url)
        if address in seen:
            continue
        path = address.removeprefix(BASE)
        as_tool = client.get(path, headers=JSON)
        as_browser = client.get(path, headers=HTML)
        seen[address] = {"tool": as_tool, "browser": as_browser}
        for who, resp in (("badge tool", as_tool), ("browser", as_browser)):
            assert resp.status_code == 200, f"{address} as a {who}: {resp.status_code}"
        if path.startswith("/images/"):
            assert as_tool.mimetype in {"image/png", "image/svg+xml"}, address
            assert as_browser.mimetype == as_tool.mimetype, address
            continue
        if path.startswith("/status/"):
            # the revocation list: signed for anyone, JSON on request
            assert as_tool.mimetype in JSON_TYPES, address
            assert as_browser.mimetype == "application/vc+jwt", address
            continue
        assert as_tool.mimetype in JSON_TYPES, f"{address}: {as_tool.mimetype}"
        assert as_browser.mimetype == "text/html", f"{address}: {as_browser.mimetype}"
        document = json.loads(as_tool.data)
        check_document(address, document)
        queue.extend(tool_urls(document))
    for url in fragments:
        address, _, fragment = url.partition("#")
        html = seen[address]["browser"].get_data(as_text=True)
        document = json.loads(seen[address]["tool"].data)
        assert f'id="{fragment}"' in html or url in set(ids_in(document)), (
            f"{url}: no element {fragment!r} on the page, no object with that id in the document"
        )
    return seen


def test_every_url_in_issued_documents_resolves(issuing: Any) -> None:
    app, lti = issuing
    client = app.test_client()  # anyone: no launch
    ana, awards = earned(issuing)
    assert set(awards) == {CRED, STACK}
    credential = client.get(f"/credentials/{awards[CRED]}", headers=JSON).json
    assertion = client.get(f"/credentials/{awards[CRED]}/ob2", headers=JSON).json
    _, portfolio = page(lti.client, "/community/portfolio/", ana)
    clr_path = re.search(r'href="(/community/portfolio/clr/[^"]+)"', portfolio).group(1)
    clr = lti.client.get(clr_path.replace("&amp;", "&")).json["credential"]
    assert "ClrCredential" in clr["type"]

    seen = crawl(client, [credential, assertion, clr])

    achievement = f"{BASE}/achievements/{CRED}/1"
    expected = {
        f"{BASE}/credentials/{awards[CRED]}",
        f"{BASE}/credentials/{awards[STACK]}",
        f"{BASE}/credentials/{awards[CRED]}/ob2",
        achievement,
        f"{achievement}/ob2",
        f"{BASE}/achievements/{STACK}/1",
        f"{BASE}/issuers/main",
        f"{BASE}/issuers/main/ob2",
        f"{BASE}/status/main",
    }
    assert expected <= set(seen)
    assert len([u for u in seen if "/images/" in u]) == 2  # the credential's and the stack's
    # the OB 2.0 chain: assertion, then its BadgeClass, then its issuer and image
    badge = json.loads(seen[f"{achievement}/ob2"]["tool"].data)
    assert assertion["badge"] == badge["id"]
    assert badge["issuer"] == f"{BASE}/issuers/main/ob2"
    assert badge["image"] in seen
    assert (
        assertion["recipient"]["identity"]
        == (credential["credentialSubject"]["identifier"][0]["identityHash"])
    )
    # the achievement a credential embeds is the one its URL serves
    served = json.loads(seen[achievement]["tool"].data)
    embedded = credential["credentialSubject"]["achievement"]
    assert {k: v for k, v in served.items() if k != "@context"} == embedded


def test_the_achievement_page_escapes_and_names_every_criterion(issuing: Any) -> None:
    app, _ = issuing
    html = app.test_client().get(f"/achievements/{CRED}/1", headers=HTML).get_data(as_text=True)
    assert "Evaluate the &lt;em&gt;impact&lt;/em&gt; of professional learning" in html
    assert "<em>impact</em>" not in html
    for fragment in ("criterion-design", "criterion-impact-level-1", "total", "alignment-1"):
        assert f'id="{fragment}"' in html
    assert 'href="https://iste.org/standards/educators"' in html
    # a badge tool with no Accept header at all gets the document
    plain = app.test_client().get(f"/achievements/{CRED}/1")
    assert plain.mimetype == "application/ld+json"
    assert "Accept" in plain.headers["Vary"]  # caches keep the page and the document apart


def test_a_revoked_award_is_gone_from_ob2_hosted_verification(issuing: Any) -> None:
    app, _ = issuing
    _, awards = earned(issuing)
    award_id = awards[CRED]
    app.extensions["mcembed"].revoke(Actor.system(), award_id, reason="Copied evidence.")
    client = app.test_client()
    resp = client.get(f"/credentials/{award_id}/ob2", headers=JSON)
    assert resp.status_code == 410
    assert resp.mimetype == "application/ld+json"
    assert resp.json == {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": f"{BASE}/credentials/{award_id}/ob2",
        "revoked": True,
        "revocationReason": "Copied evidence.",
    }
    page = client.get(f"/credentials/{award_id}/ob2", headers=HTML).get_data(as_text=True)
    assert "has been revoked" in page


def test_unknown_ids_and_other_files_are_not_found(issuing: Any) -> None:
    app, _ = issuing
    earned(issuing)  # the learner's evidence file is in the same store as the images
    client = app.test_client()
    evidence = hashlib.sha256(PLAN).hexdigest()
    for path in (
        "/credentials/awd_nope/ob2",
        f"/achievements/{CRED}/9",
        f"/achievements/{CRED}/9/ob2",
        "/achievements/nope/1",
        "/issuers/other/ob2",
        "/images/" + "0" * 64,
        "/images/not-a-hash",
        f"/images/{evidence}",
    ):
        for headers in (JSON, HTML):
            assert client.get(path, headers=headers).status_code == 404, path
