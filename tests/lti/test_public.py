"""Badges through the tool: downloads, the share page (with content
negotiation), the issuer, the revocation list, and /verify for anyone."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

from lti_platform import LtiDriver, PlatformEmulator, form_fields, make_app, start_and_submit
from mcembed import Actor, Settings
from mcembed.badges import IssuerProfile, init_issuer, unbake


def awarded(app: Any, driver: LtiDriver) -> tuple[str, Any]:
    """A learner earns the credential; returns (award id, learner launch)."""
    client = driver.client
    learner, sid = start_and_submit(driver, client)
    reviewer = driver.launch("Instructor", sub="teacher-1", name="Tess")
    page = client.get(f"/review/submissions/{sid}?launch={reviewer.id}").get_data(as_text=True)
    client.post(
        f"/review/submissions/{sid}",
        data={**form_fields(page), "level-design": "Exemplary", "level-impact": "Proficient"},
    )
    mine = client.get(learner.location).get_data(as_text=True)
    award_id = re.search(r'href="/credentials/([^"/]+)"', mine).group(1)
    return award_id, learner


def test_the_learner_gets_downloads_and_a_share_link(issuing: Any) -> None:
    app, driver = issuing
    award_id, learner = awarded(app, driver)
    page = driver.client.get(learner.location).get_data(as_text=True)
    for kind in ("badge.png", "badge.svg", "credential.json", "credential.jwt"):
        assert f"/credentials/{award_id}/{kind}" in page
    png = driver.client.get(f"/credentials/{award_id}/badge.png")
    assert png.status_code == 200
    assert png.data.startswith(b"\x89PNG")
    baked = unbake(png.data)
    assert baked is not None
    svg = driver.client.get(f"/credentials/{award_id}/badge.svg")
    assert unbake(svg.data) is not None
    assert svg.headers["Content-Security-Policy"].split("; ")[0] == "sandbox"


def test_the_share_page_verifies_and_negotiates_json_and_jwt(issuing: Any) -> None:
    app, driver = issuing
    award_id, _ = awarded(app, driver)
    c = app.test_client()  # a third party, no launch
    html = c.get(f"/credentials/{award_id}").get_data(as_text=True)
    assert "This credential is valid." in html
    assert "Riverbend District" in html
    doc = c.get(f"/credentials/{award_id}", headers={"Accept": "application/ld+json"})
    assert doc.mimetype == "application/ld+json"
    assert "OpenBadgeCredential" in doc.json["type"]
    jwt_text = c.get(f"/credentials/{award_id}", headers={"Accept": "application/vc+jwt"}).get_data(
        as_text=True
    )
    assert jwt_text.count(".") == 2
    assert c.get("/credentials/awd_nope").status_code == 404


def test_a_revoked_credential_says_so_everywhere(issuing: Any) -> None:
    app, driver = issuing
    award_id, _ = awarded(app, driver)
    app.extensions["mcembed"].revoke(
        Actor.system(), award_id, reason="Evidence was not the holder's own."
    )
    c = app.test_client()
    assert "has been revoked" in c.get(f"/credentials/{award_id}").get_data(as_text=True)
    status = c.get("/status/main")
    assert status.mimetype == "application/vc+jwt"
    assert c.get("/status/main", headers={"Accept": "application/json"}).status_code == 200


def test_the_issuer_profile_publishes_its_keys(issuing: Any) -> None:
    app, _ = issuing
    c = app.test_client()
    doc = c.get("/issuers/main", headers={"Accept": "application/ld+json"}).json
    assert doc["id"] == "http://localhost/issuers/main"
    assert doc["verificationMethod"]
    assert "Riverbend District" in c.get("/issuers/main").get_data(as_text=True)
    assert c.get("/issuers/other").status_code == 404


def test_anyone_verifies_a_file_and_a_changed_one_fails(issuing: Any) -> None:
    app, driver = issuing
    award_id, _ = awarded(app, driver)
    c = app.test_client()
    page = c.get("/verify").get_data(as_text=True)
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    png = c.get(f"/credentials/{award_id}/badge.png").data
    ok = c.post(
        "/verify",
        data={"form_token": token, "file": (io.BytesIO(png), "badge.png")},
        content_type="multipart/form-data",
    )
    assert "This credential is valid." in ok.get_data(as_text=True)
    doc = c.get(f"/credentials/{award_id}/credential.json").get_data(as_text=True)
    changed = doc.replace("Evaluate the impact", "Evaluate the IMPACT")
    bad = c.post("/verify", data={"form_token": token, "text": changed})
    assert "This credential is not valid." in bad.get_data(as_text=True)
    as_json = c.post(
        "/verify", data={"form_token": token, "text": doc}, headers={"Accept": "application/json"}
    )
    assert as_json.json["status"] == "valid"
    assert c.post("/verify", data={"text": doc}).status_code == 400
    empty = c.post("/verify", data={"form_token": token})
    assert empty.status_code == 400
    assert "Choose a badge file" in empty.get_data(as_text=True)


def test_public_pages_say_clearly_when_the_instance_issues_no_badges(client: Any) -> None:
    resp = client.get("/verify")
    assert resp.status_code == 404
    assert "mcembed issuer init" in resp.get_data(as_text=True)


def test_verify_page_refuses_a_badge_with_two_credentials(issuing: Any) -> None:
    import png as png_module

    app, driver = issuing
    award_id, _ = awarded(app, driver)
    c = app.test_client()
    token = re.search(
        r'name="form_token" value="([^"]+)"', c.get("/verify").get_data(as_text=True)
    ).group(1)
    png = c.get(f"/credentials/{award_id}/badge.png").data
    jwt = c.get(f"/credentials/{award_id}/credential.jwt").data
    extra = io.BytesIO()
    png_module.write_chunk(extra, b"tEXt", b"openbadgecredential\0" + jwt)
    crafted = png[:-12] + extra.getvalue() + png[-12:]  # before the IEND chunk
    page = c.post(
        "/verify",
        data={"form_token": token, "file": (io.BytesIO(crafted), "badge.png")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "This credential is not valid." in page
    assert "This PNG image carries 2 credentials" in page


def test_verify_reads_a_foreign_issuer_only_where_a_fetch_may_go(
    tmp_path: Path, emulator: PlatformEmulator
) -> None:
    """A pasted credential names its issuer; the tool reads that issuer's document
    through the outbound fetcher: a redirect inside the network is refused, and
    nothing the other server sent shows on the page."""
    from local_https import LocalTls, TestResolver, serve_tls

    def issuer_site(environ: dict[str, Any], start_response: Any) -> Any:
        if environ["PATH_INFO"] == "/issuers/elsewhere":
            start_response("302 Found", [("Location", "https://intranet.test/keys")])
            return [b""]
        start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
        return [b"INTERNAL-STACK-TRACE"]

    instance = tmp_path / "verifying"
    init_issuer(
        Settings(instance=instance),
        IssuerProfile(
            name="Riverbend", url="https://riverbend.example.org", base_url="http://localhost"
        ),
    )
    tls = LocalTls()
    resolver = TestResolver({"intranet.test": [["10.30.0.4"]]})
    with serve_tls(issuer_site, tls) as port:
        app = make_app(instance, emulator, FETCHER=tls.fetcher(resolver))
        c = app.test_client()
        token = re.search(
            r'name="form_token" value="([^"]+)"', c.get("/verify").get_data(as_text=True)
        ).group(1)
        results = {}
        for name in ("elsewhere", "broken"):
            issuer = f"https://issuer.test:{port}/issuers/{name}"
            credential = {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiableCredential", "OpenBadgeCredential"],
                "issuer": {"id": issuer},
                "proof": {
                    "type": "DataIntegrityProof",
                    "cryptosuite": "eddsa-rdfc-2022",
                    "proofPurpose": "assertionMethod",
                    "verificationMethod": issuer + "#key-1",
                    "proofValue": "z" + "1" * 86,
                },
            }
            resp = c.post(
                "/verify",
                data={"form_token": token, "text": json.dumps(credential)},
                headers={"Accept": "application/json"},
            )
            assert resp.status_code == 200
            [key_check] = [x for x in resp.json["checks"] if x["name"] == "issuer key"]
            results[name] = key_check["message"]
    assert "has a private address" in results["elsewhere"]
    assert "answered HTTP 500" in results["broken"]
    assert "INTERNAL" not in results["broken"]
