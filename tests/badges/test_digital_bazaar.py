"""Data Integrity proofs checked by a second independent implementation:
Digital Bazaar's ``@digitalbazaar/vc`` with the ``eddsa-rdfc-2022``
cryptosuite, run by Node offline (``node/verify-data-integrity.mjs``)."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from badge_helpers import LEARNER, make_award, make_issuer, recognizer_for
from factories import make_credential
from mcembed.badges import IdentityKind, IssuerIdentity, KeyRing, KeyType
from mcembed.badges.contexts import PINNED

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).parent / "node" / "verify-data-integrity.mjs"


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.skip("the Digital Bazaar verifier needs Node.js (node is not installed)")
    if not (ROOT / "node_modules" / "@digitalbazaar" / "vc").exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("the Digital Bazaar verifier needs `npm ci`; npm is not installed")
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT, check=True, capture_output=True
        )
    return found


def verify(node: str, credential: dict[str, Any]) -> dict[str, Any]:
    folder = resources.files("mcembed.badges") / "data" / "contexts"
    contexts = [f"{url}={folder / p.shipped}" for url, p in PINNED.items() if p.shipped]
    out = subprocess.run(
        [node, str(SCRIPT), *contexts],
        input=json.dumps(credential),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def did_key_issuer(ring: KeyRing) -> IssuerIdentity:
    return make_issuer(ring, identity=IdentityKind.DID_KEY, base_url="", jwt_alg=KeyType.ED25519)


def test_digital_bazaar_verifies_our_data_integrity_proof(node: str, ring: KeyRing) -> None:
    credential = recognizer_for(did_key_issuer(ring)).recognize(
        make_award(), make_credential(), LEARNER
    )["credential"]
    assert verify(node, credential) == {"verified": True, "error": ""}


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.__setitem__("name", "Brain surgery"),
        lambda d: d["credentialSubject"]["achievement"].__setitem__("description", "Other"),
        lambda d: d.__setitem__("validUntil", "2099-01-01T00:00:00Z"),
    ],
    ids=["name", "achievement", "validUntil"],
)
def test_digital_bazaar_rejects_a_changed_field(node: str, ring: KeyRing, change: Any) -> None:
    credential = copy.deepcopy(
        recognizer_for(did_key_issuer(ring)).recognize(make_award(), make_credential(), LEARNER)[
            "credential"
        ]
    )
    change(credential)
    assert verify(node, credential)["verified"] is False


def test_digital_bazaar_rejects_a_proof_by_another_key(
    node: str, ring: KeyRing, other_ring: KeyRing
) -> None:
    ours = recognizer_for(did_key_issuer(ring)).recognize(make_award(), make_credential(), LEARNER)
    theirs = recognizer_for(did_key_issuer(other_ring)).recognize(
        make_award(), make_credential(), LEARNER
    )
    forged = {**ours["credential"], "proof": theirs["credential"]["proof"]}
    assert verify(node, forged)["verified"] is False
