"""``mcembed lti ...``: register, list and remove platforms; rotate keys."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CANVAS = [
    "--issuer",
    "https://canvas.instructure.com",
    "--client-id",
    "10000000000042",
    "--login-url",
    "https://sso.canvaslms.com/api/lti/authorize_redirect",
    "--token-url",
    "https://sso.canvaslms.com/login/oauth2/token",
    "--keyset-url",
    "https://sso.canvaslms.com/api/lti/security/jwks",
]


def run(instance: Path, *args: str) -> tuple[int, str]:
    """The real command, as an administrator types it (errors go to stderr, exit 1)."""
    done = subprocess.run(
        [sys.executable, "-m", "mcembed", "--instance", str(instance), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def test_add_list_and_remove_a_platform(tmp_path: Path) -> None:
    code, out = run(
        tmp_path,
        "lti",
        "add-platform",
        *CANVAS,
        "--deployment-id",
        "1:abc",
        "--name",
        "District Canvas",
    )
    assert code == 0, out
    assert "Registered plt_" in out
    code, out = run(tmp_path, "lti", "list-platforms", "--json")
    [platform] = json.loads(out)
    assert platform["deployments"] == ["1:abc"]
    assert platform["client_id"] == "10000000000042"
    code, out = run(tmp_path, "lti", "add-deployment", platform["id"], "2:def")
    assert code == 0, out
    code, out = run(tmp_path, "lti", "list-platforms")
    assert "1:abc, 2:def" in out
    code, out = run(tmp_path, "lti", "remove-platform", platform["id"], "--yes")
    assert code == 0, out
    assert "No platforms yet" in run(tmp_path, "lti", "list-platforms")[1]


def test_a_second_registration_of_the_same_client_is_refused(tmp_path: Path) -> None:
    assert run(tmp_path, "lti", "add-platform", *CANVAS)[0] == 0
    code, out = run(tmp_path, "lti", "add-platform", *CANVAS)
    assert code != 0
    assert "registered already" in out


def test_an_http_url_is_refused_naming_the_field(tmp_path: Path) -> None:
    args = [*CANVAS]
    args[args.index("--token-url") + 1] = "http://lms.example.org/token"
    code, out = run(tmp_path, "lti", "add-platform", *args)
    assert code != 0
    assert "token URL must be an https:// URL" in out


def test_rotate_and_retire_keys(tmp_path: Path) -> None:
    code, out = run(tmp_path, "lti", "rotate-key")
    assert code == 0, out
    old = out.split("retire-key ", 1)[1].strip()
    code, out = run(tmp_path, "lti", "retire-key", old)
    assert code == 0, out
    code, out = run(tmp_path, "lti", "retire-key", "no-such-key")
    assert code != 0


def test_purge_launches_removes_expired_launches_for_cron(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from mcembed.launches import LaunchContext
    from mcembed.storage import SqlStore

    now = datetime.now(UTC)
    store = SqlStore(f"sqlite:///{tmp_path / 'mcembed.db'}")
    with store.transaction() as tx:
        for lid, expires in (
            ("lch_old", now - timedelta(hours=1)),
            ("lch_new", now + timedelta(hours=1)),
        ):
            tx.add_launch(
                LaunchContext(
                    id=lid,
                    platform_id="plt_1",
                    deployment_id="d",
                    user_id="u",
                    person_id="lti:plt_1:u",
                    course_id="c",
                    email="ada@example.org",
                    csrf_token="t",
                    created_at=expires - timedelta(hours=8),
                    expires_at=expires,
                )
            )
    code, out = run(tmp_path, "lti", "purge-launches")
    assert code == 0, out
    assert "Removed 1 expired launch record." in out
    with store.transaction() as tx:
        assert tx.find_launch("lch_old") is None
        assert tx.find_launch("lch_new") is not None
    store.close()


def test_files_sweep_removes_files_nothing_holds(tmp_path: Path) -> None:
    from mcembed.storage import LocalBlobStore

    orphan = LocalBlobStore(tmp_path / "files").put(b"left by a crash", "a.txt", max_bytes=100)
    code, out = run(tmp_path, "files", "sweep")
    assert code == 0, out
    assert "Checked 1 stored file: removed 1 that nothing holds, and 0 unfinished uploads." in out
    assert not LocalBlobStore(tmp_path / "files").exists(orphan.sha256)
