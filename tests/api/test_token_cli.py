"""``mcembed token create/list/revoke``: integration tokens the API accepts."""

from __future__ import annotations

import json
import re
from pathlib import Path

from api_world import CRED, LEARNER, Api, make_tool_app, submitted_over_api
from click.testing import CliRunner

from mcembed.cli import cli


def test_create_list_revoke_and_use_an_integration_token(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    app = make_tool_app(instance)
    api = Api(app, app.test_client())
    sid = submitted_over_api(api, api.token(LEARNER))["id"]
    runner = CliRunner()
    base = ["--instance", str(instance), "token"]
    made = runner.invoke(
        cli,
        [
            *base,
            "create",
            "--scope",
            "review",
            "--course",
            "course-1",
            "--expires",
            "30d",
            "--name",
            "review bot",
        ],
    )
    assert made.exit_code == 0, made.output
    [secret] = re.findall(r"^mce_\S+$", made.output, re.M)
    assert "shown only now" in made.output
    queue = api.get("/review/queue", secret).json["items"]
    assert [s["id"] for s in queue] == [sid]
    assert api.post("/submissions", secret, json={"credential_id": CRED}).status_code == 403

    listed = runner.invoke(cli, [*base, "list"])
    assert "review bot" in listed.output
    assert secret not in listed.output
    rows = json.loads(runner.invoke(cli, [*base, "list", "--json"]).output)
    bot = next(r for r in rows if r["name"] == "review bot")
    assert bot["status"] == "active"
    assert "secret_hash" not in bot
    assert bot["last_used_at"] is not None

    revoked = runner.invoke(cli, [*base, "revoke", bot["id"]])
    assert revoked.exit_code == 0, revoked.output
    resp = api.get("/review/queue", secret)
    assert resp.status_code == 401
    assert resp.json["error"]["code"] == "token_revoked"


def test_bad_options_say_what_is_allowed(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["--instance", str(tmp_path / "i"), "token", "create", "--course", "c", "--name", "x"]
    no_scope = runner.invoke(cli, base)
    assert no_scope.exit_code == 2
    assert "--scope" in no_scope.output
    wrong = runner.invoke(cli, [*base, "--scope", "admin"])
    assert "'admin' is not one of 'learner', 'review'" in wrong.output
    bad = runner.invoke(cli, [*base, "--scope", "review", "--expires", "forever"])
    assert bad.exit_code != 0
    assert "is not a duration" in str(bad.exception)
