"""The ``mcembed`` command line (click). A shell over the core, like the adapters.

Every failure mcembed expects (a bad pack, an unknown id, a database that is
behind) prints a message and exits with status 1; never a traceback.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import click

from . import __version__
from .access import Actor
from .config import Settings
from .errors import McembedError, PackError
from .packs import load_pack, pack_schema
from .service import Service
from .storage.blobs import MemoryBlobStore
from .storage.memory import MemoryStore

__all__ = ["main"]


class _State:
    def __init__(self, instance: str | None) -> None:
        self.instance = instance
        self._service: Service | None = None

    @property
    def settings(self) -> Settings:
        return Settings.from_env(instance=self.instance)

    def service(self) -> Service:
        if self._service is None:
            from .instance import open_service

            self._service = open_service(self.settings)
        return self._service


pass_state = click.make_pass_decorator(_State)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--instance",
    type=click.Path(file_okay=False),
    envvar="MCEMBED_INSTANCE",
    help="Instance folder (database, keys, evidence files). Default: ./instance.",
)
@click.version_option(__version__, prog_name="mcembed")
@click.pass_context
def cli(ctx: click.Context, instance: str | None) -> None:
    """Micro-credentials earned from real work.

    Write credentials as a pack of YAML files, check them, load them into an
    instance, and search the catalog. Start with `mcembed init my-pack`.
    """
    ctx.obj = _State(instance)


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default="my-pack")
def init(folder: Path) -> None:
    """Create a new pack in FOLDER with one example credential to edit.

    The pack validates as it is: change the names, prompts and rubric, then run
    `mcembed validate FOLDER`.
    """
    if folder.exists() and any(folder.iterdir()):
        raise click.ClickException(f"{folder} is not empty; choose a new folder for the pack.")
    template = resources.files("mcembed.packs") / "template"
    with resources.as_file(template) as source:
        shutil.copytree(
            source, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
        )
    pack = load_pack(folder)
    click.echo(
        f"Created pack {pack.id!r} in {folder} with {_count(len(pack.credentials), 'credential')}."
    )
    click.echo(f"Next: edit {folder / 'credentials'}, then run: mcembed validate {folder}")


@cli.command()
@click.argument("packs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
def validate(packs: Sequence[Path], as_json: bool) -> None:
    """Check one or more pack folders and report every problem.

    Each problem names the file, the line and the field. Exit status is 0 when
    every pack is valid, 1 otherwise.
    """
    failed = False
    report: list[dict[str, Any]] = []
    for folder in packs:
        try:
            pack = load_pack(folder)
        except PackError as e:
            failed = True
            report.append(
                {
                    "pack": str(folder),
                    "valid": False,
                    "problems": [
                        {
                            "file": p.location.file,
                            "line": p.location.line,
                            "path": p.location.path,
                            "message": p.message,
                        }
                        for p in e.problems
                    ],
                }
            )
            if not as_json:
                click.echo(str(e), err=True)
            continue
        report.append({"pack": str(folder), "valid": True, "problems": []})
        if not as_json:
            click.echo(
                f"{folder}: valid: pack {pack.id!r}, "
                f"{_count(len(pack.credentials), 'credential')}, "
                f"{_count(len(pack.stacks), 'stack')}"
            )
    if as_json:
        click.echo(json.dumps(report, indent=2))
    if failed:
        sys.exit(1)


@cli.command()
@click.option(
    "--kind",
    type=click.Choice(["all", "pack", "credential", "stack"]),
    default="all",
    help="Print the schema of one kind of file only.",
)
def schema(kind: str) -> None:
    """Print the JSON Schema of the pack files, for editors that validate as you type."""
    document = pack_schema()
    if kind != "all":
        document = {
            "$schema": document["$schema"],
            "$id": document["$id"].replace(".json", f"-{kind}.json"),
            "$defs": document["$defs"],
            "$ref": f"#/$defs/{kind}",
        }
    click.echo(json.dumps(document, indent=2))


@cli.command()
@click.argument("pack", required=False, type=click.Path(path_type=Path))
@click.option("--search", "-s", "text", default="", help="Describe a problem in plain words.")
@click.option("--tag", "tags", multiple=True, help="Only credentials with this tag (repeatable).")
@click.option("--framework", default="", help="Only credentials aligned to this framework.")
@click.option("--code", default="", help="Only credentials aligned to this framework code.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_state
def catalog(
    state: _State,
    pack: Path | None,
    text: str,
    tags: Sequence[str],
    framework: str,
    code: str,
    limit: int,
    as_json: bool,
) -> None:
    """List or search credentials in PACK, or in the instance when no PACK is given.

    \b
    Examples:
      mcembed catalog examples/professional-learning
      mcembed catalog examples/professional-learning -s "students tune out during group work"
    """
    if pack is not None:
        service = Service(MemoryStore(), MemoryBlobStore())
        service.add_pack(Actor.system(), load_pack(pack))
    else:
        service = state.service()
    hits = service.search_catalog(text, tags=tags, framework=framework, code=code, limit=limit)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "id": h.credential.id,
                        "version": h.credential.version,
                        "name": h.credential.name,
                        "summary": h.credential.summary,
                        "tags": list(h.credential.tags),
                        "score": round(h.score, 4),
                    }
                    for h in hits
                ],
                indent=2,
            )
        )
        return
    if not hits:
        where = pack or "the instance"
        click.echo(
            f"No credential in {where} matches."
            if text or tags
            else f"No credentials in {where} yet."
        )
        return
    for n, hit in enumerate(hits, 1):
        c = hit.credential
        click.echo(f"{n:>2}. {click.style(c.name, bold=True)}  [{c.id} v{c.version}]")
        click.echo(f"    {c.summary}")
        if c.tags:
            click.echo(f"    tags: {', '.join(c.tags)}")


@cli.group()
def pack() -> None:
    """Load packs into the instance, and list them."""


@pack.command("add")
@click.argument("folder", type=click.Path(path_type=Path))
@pass_state
def pack_add(state: _State, folder: Path) -> None:
    """Load (or update) the pack in FOLDER into the instance.

    New credentials and new versions are added; learners keep the version they
    started under. A credential changed without a new version is refused.
    """
    loaded = load_pack(folder)
    changes = state.service().add_pack(Actor.system(), loaded, source=str(folder.resolve()))
    for ref in changes.added:
        click.echo(f"added      {ref}")
    for ref in changes.unchanged:
        click.echo(f"unchanged  {ref}")
    click.echo(
        f"Pack {changes.pack_id!r}: {len(changes.added)} added, {len(changes.unchanged)} unchanged."
    )


@pack.command("list")
@pass_state
def pack_list(state: _State) -> None:
    """List the packs loaded in the instance."""
    service = state.service()
    packs = service.list_packs()
    if not packs:
        click.echo("No packs loaded yet. Load one with: mcembed pack add FOLDER")
        return
    for record in packs:
        count = len(service.list_credentials(pack_id=record.id))
        stacks = len(service.list_stacks(pack_id=record.id))
        loaded = record.loaded_at.strftime("%Y-%m-%d %H:%M UTC")
        click.echo(
            f"{record.id}  {record.name}  ({_count(count, 'credential')}, "
            f"{_count(stacks, 'stack')}, loaded {loaded})"
        )


@cli.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@pass_state
def db_upgrade(state: _State) -> None:
    """Create or upgrade the database schema to the newest version.

    Run it once per release before starting servers that use PostgreSQL;
    SQLite instances upgrade themselves on start.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from .storage.migrate import current_revision, head_revision, upgrade
    from .storage.sqlalchemy import make_engine

    settings = state.settings
    settings.instance.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    try:
        before = current_revision(engine)
        upgrade(engine)
    except SQLAlchemyError as e:
        raise click.ClickException(
            f"Cannot upgrade the database: {e.__class__.__name__}: {e}"
        ) from e
    finally:
        engine.dispose()
    head = head_revision()
    if before == head:
        click.echo(f"The database is already at the newest schema ({head}).")
    else:
        click.echo(f"Upgraded the database from {before or 'empty'} to {head}.")


@cli.group()
def files() -> None:
    """Evidence files and pack images in the instance's file storage."""


@files.command("sweep")
@pass_state
def files_sweep(state: _State) -> None:
    """Delete stored files that no submission or pack holds any more.

    A replaced draft file goes at once; this removes what a crash left behind
    (and uploads left unfinished for a day). Safe while the tool runs, and as
    often as you like: run it from cron (daily is plenty); `mcembed lti worker`
    also runs it every day.
    """
    done = state.service().sweep_files(Actor.system())
    click.echo(
        f"Checked {_count(done.checked, 'stored file')}: removed {len(done.removed)} that "
        f"nothing holds, and {_count(done.stale_uploads, 'unfinished upload')}."
    )


# --- the LTI tool: platforms, keys, the grade worker, the web server -------------------


def _lms(state: _State) -> Any:
    from .lms import Lms

    return Lms(state.service().store)


@cli.group()
def lti() -> None:
    """Register LMS platforms with the LTI tool, manage its keys, send grades."""


@lti.command("add-platform")
@click.option(
    "--issuer",
    required=True,
    help="The platform's issuer (iss), e.g. https://canvas.instructure.com.",
)
@click.option("--client-id", required=True, help="The client id the platform gave the tool.")
@click.option(
    "--deployment-id", "deployment_ids", multiple=True, help="A deployment id (repeatable)."
)
@click.option("--login-url", required=True, help="The platform's OIDC authorization (login) URL.")
@click.option("--token-url", required=True, help="The platform's OAuth 2 token URL.")
@click.option("--keyset-url", required=True, help="The platform's public key set (JWKS) URL.")
@click.option("--name", default="", help="A name for pages and this list.")
@click.option("--audience", default="", help="The token audience, if the platform wants one.")
@click.option(
    "--deployments",
    "policy",
    type=click.Choice(["listed", "auto"]),
    default="listed",
    show_default=True,
    help="listed: only the deployment ids given; auto: record new ones at their first "
    "signed launch (Canvas makes one per install).",
)
@pass_state
def lti_add_platform(
    state: _State,
    issuer: str,
    client_id: str,
    deployment_ids: Sequence[str],
    login_url: str,
    token_url: str,
    keyset_url: str,
    name: str,
    audience: str,
    policy: str,
) -> None:
    """Register an LMS platform (issuer + client id) with the tool."""
    from .platforms import DeploymentPolicy

    platform = _lms(state).add_platform(
        Actor.system(),
        issuer=issuer,
        client_id=client_id,
        auth_login_url=login_url,
        auth_token_url=token_url,
        key_set_url=keyset_url,
        name=name,
        auth_audience=audience,
        deployment_policy=DeploymentPolicy(policy),
        deployment_ids=deployment_ids,
    )
    click.echo(f"Registered {platform.id}: {platform.label} (client id {platform.client_id}).")


@lti.command("add-deployment")
@click.argument("platform_id")
@click.argument("deployment_id")
@pass_state
def lti_add_deployment(state: _State, platform_id: str, deployment_id: str) -> None:
    """Accept one more deployment id of a platform."""
    _lms(state).add_deployment(Actor.system(), platform_id, deployment_id)
    click.echo(f"Deployment {deployment_id!r} of {platform_id} accepted.")


@lti.command("list-platforms")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@pass_state
def lti_list_platforms(state: _State, as_json: bool) -> None:
    """List the registered platforms and their deployments."""
    lms = _lms(state)
    platforms = lms.list_platforms()
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "id": p.id,
                        "issuer": p.issuer,
                        "client_id": p.client_id,
                        "name": p.name,
                        "deployments": [d.deployment_id for d in lms.list_deployments(p.id)],
                        "deployment_policy": p.deployment_policy.value,
                    }
                    for p in platforms
                ],
                indent=2,
            )
        )
        return
    if not platforms:
        click.echo("No platforms yet. Register one with: mcembed lti add-platform --help")
        return
    for p in platforms:
        deployments = [d.deployment_id for d in lms.list_deployments(p.id)]
        click.echo(f"{p.id}  {p.label}  issuer {p.issuer}  client id {p.client_id}")
        click.echo(
            f"    deployments ({p.deployment_policy.value}): {', '.join(deployments) or 'none yet'}"
        )


@lti.command("remove-platform")
@click.argument("platform_id")
@click.option("--yes", is_flag=True, help="Do not ask.")
@pass_state
def lti_remove_platform(state: _State, platform_id: str, yes: bool) -> None:
    """Forget a platform: its launches stop working (its courses' data stays)."""
    lms = _lms(state)
    platform = lms.get_platform(platform_id)
    if not yes:
        click.confirm(f"Remove {platform.label} ({platform.client_id})?", abort=True)
    lms.remove_platform(Actor.system(), platform_id)
    click.echo(f"Removed {platform_id}.")


@lti.command("registration-link")
@click.option(
    "--expires",
    default="24h",
    show_default=True,
    help="How long the link works: hours, days or weeks (12h, 7d, 2w; at most 30 days).",
)
@click.option("--note", default="", help="Who or what it is for, shown in the list.")
@click.option(
    "--base-url",
    envvar="MCEMBED_BASE_URL",
    default="",
    help="The tool's public URL (default: MCEMBED_BASE_URL).",
)
@pass_state
def lti_registration_link(state: _State, expires: str, note: str, base_url: str) -> None:
    """Make a single-use, expiring link for LTI Dynamic Registration.

    Paste it into the LMS (Moodle: Site administration > Plugins > Manage
    tools > Tool URL; Canvas: Developer Keys > + LTI Registration). It
    registers one platform, then stops working; so does an unused one when it
    expires. Only a hash of it is kept: it is shown this once.
    """
    from .tokens import parse_duration

    made = _lms(state).links.create(Actor.system(), expires_in=parse_duration(expires), note=note)
    link = made.link
    if base_url:
        click.echo(made.url(base_url))
    else:
        click.echo(made.url("https://YOUR-TOOL"))
        click.echo("(set MCEMBED_BASE_URL or --base-url to print the tool's own address)", err=True)
    click.echo(
        f"Link {link.id} ({link.prefix}…) registers one platform until "
        f"{link.expires_at:%Y-%m-%d %H:%M} UTC.",
        err=True,
    )


@lti.command("registration-links")
@pass_state
def lti_registration_links(state: _State) -> None:
    """List registration links: which are active, used (for which platform) or expired."""
    from datetime import UTC, datetime

    links = _lms(state).links.list_links(Actor.system())
    if not links:
        click.echo("No registration links yet. Make one with: mcembed lti registration-link")
        return
    now = datetime.now(UTC)
    for x in links:
        status = x.status(now)
        if status == "used" and x.used_at is not None:
            status = f"used {x.used_at:%Y-%m-%d %H:%M} by {x.issuer or 'a registration'}"
            status += f" ({x.platform_id})" if x.platform_id else " (in progress)"
        else:
            status += f", expires {x.expires_at:%Y-%m-%d %H:%M}"
        note = f"  {x.note}" if x.note else ""
        click.echo(f"{x.id}  {x.prefix}…  made {x.created_at:%Y-%m-%d %H:%M}  {status}{note}")


@lti.command("rotate-key")
@pass_state
def lti_rotate_key(state: _State) -> None:
    """Make a new signing key current; the old one stays published until retired."""
    from mcembed_lti.keys import ToolKeys  # type: ignore[import-not-found, unused-ignore]

    keys = ToolKeys(_lms(state))
    old = keys.current().kid
    new = keys.rotate()
    click.echo(f"New signing key {new.kid}; {old} stays in /lti/jwks until you retire it:")
    click.echo(f"    mcembed lti retire-key {old}")


@lti.command("retire-key")
@click.argument("kid")
@pass_state
def lti_retire_key(state: _State, kid: str) -> None:
    """Stop publishing an old key (after platforms have seen the new one)."""
    _lms(state).retire_tool_key(Actor.system(), kid)
    click.echo(f"Key {kid} retired.")


@lti.command("purge-launches")
@pass_state
def lti_purge_launches(state: _State) -> None:
    """Delete expired launches and login states, with the names and e-mail
    addresses launches brought.

    Run it from cron (hourly is plenty); `mcembed lti worker`, and the web
    processes when there is no Redis, also do it every hour. A page opened with
    a deleted launch asks the person to open the tool again from their course.
    """
    gone = _lms(state).remove_expired()
    click.echo(f"Removed {_count(gone, 'expired launch record')}.")


@lti.command("worker")
@click.option("--burst", is_flag=True, help="Send what is due and stop (no waiting).")
def lti_worker(burst: bool) -> None:
    """Send grades to LMSs (and cohort reminders; purge expired launches hourly):
    an RQ worker with MCEMBED_REDIS_URL, else a loop here."""
    from mcembed_lti.worker import run_worker  # type: ignore[import-not-found, unused-ignore]

    run_worker(burst=burst)


@cli.group()
def community() -> None:
    """Cohorts, recommendations and the rest of the community layer."""


@community.command("send-reminders")
@click.option("--cohort", "cohort_id", default=None, help="Only this cohort (default: every one).")
@click.option("--dry-run", is_flag=True, help="Print what is due; send nothing.")
@pass_state
def community_send_reminders(state: _State, cohort_id: str | None, dry_run: bool) -> None:
    """Put the checkpoint reminders due now in the members' inboxes.

    Run it from cron or a systemd timer (every 15 minutes is plenty): each
    reminder is sent once, however often it runs.
    """
    service = state.service()
    notes = service.community.send_reminders(Actor.system(), cohort_id, dry_run=dry_run)
    for n in notes:
        click.echo(f"{n.link.get('cohort_id', '')}  {n.person_id}  {n.title}")
    cohorts = len({n.link.get("cohort_id") for n in notes})
    verb = "Would send" if dry_run else "Sent"
    click.echo(f"{verb} {_count(len(notes), 'reminder')} in {_count(cohorts, 'cohort')}.")


@community.command("reports")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@pass_state
def community_reports(state: _State, as_json: bool) -> None:
    """Recommendations their recipients reported, with who sent them (even anonymously).

    Tell nobody but those who act on abuse: the recipient never learns an
    anonymous sender. Close each with `mcembed community resolve-report`.
    """
    cases = state.service().community.moderation_queue(Actor.system())
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "id": c.id,
                        "course_id": c.course_id,
                        "credential_id": c.credential_id,
                        "recipient_id": c.recipient_id,
                        "sender_id": c.sender_id,
                        "anonymous": c.anonymous,
                        "note": c.note,
                        "reported_at": c.reported_at.isoformat() if c.reported_at else None,
                        "report_reason": c.report_reason,
                    }
                    for c in cases
                ],
                indent=2,
            )
        )
        return
    for c in cases:
        anonymously = " (sent anonymously)" if c.anonymous else ""
        click.echo(f"{c.id}  {c.course_id}  {c.credential_name}")
        click.echo(f"  from {c.sender_name} [{c.sender_id}]{anonymously} to {c.recipient_name}")
        click.echo(f"  reported: {c.report_reason}")
        if c.note:
            click.echo(f"  note: {c.note}")
    click.echo(f"{_count(len(cases), 'open report')}.")


@community.command("resolve-report")
@click.argument("recommendation_id", metavar="RECOMMENDATION")
@click.option(
    "--withdraw", "action", flag_value="withdraw", help="Take it off the recipient's page."
)
@click.option("--keep", "action", flag_value="keep", help="Leave it as it was.")
@pass_state
def community_resolve_report(state: _State, recommendation_id: str, action: str | None) -> None:
    """Close a report: withdraw the recommendation, or keep it."""
    if action is None:
        raise click.UsageError("Say --withdraw or --keep.")
    withdraw = action == "withdraw"
    state.service().community.resolve_report(Actor.system(), recommendation_id, withdraw=withdraw)
    done = "withdrawn from its recipient" if withdraw else "kept"
    click.echo(f"Report on {recommendation_id} closed: {done}.")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Reload on code changes, show debug pages.")
@pass_state
def serve(state: _State, host: str, port: int, debug: bool) -> None:
    """Run the LTI tool for development (production: gunicorn "mcembed_lti:create_app()")."""
    from mcembed_lti import create_app  # type: ignore[import-not-found, unused-ignore]

    config: dict[str, Any] = {}
    if state.instance:
        config["INSTANCE"] = state.instance
    app = create_app(config)
    click.echo(f"mcembed LTI tool on http://{host}:{port} (Canvas JSON: /lti/canvas.json)")
    app.run(host=host, port=port, debug=debug)


def _has_display() -> bool:
    import os

    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


@cli.command()
@click.option(
    "--pack",
    "pack_folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The pack to try (default: examples/professional-learning).",
)
@click.option("--port", type=int, default=None, help="Port (default: the last one used, or 8765).")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on: loopback, or 0.0.0.0 inside a container.",
)
@click.option("--no-browser", is_flag=True, help="Do not open a web browser.")
@click.option(
    "--instance",
    "demo_instance",
    type=click.Path(file_okay=False),
    default=None,
    help="The demo's instance folder (default: ./instance, as every command).",
)
@pass_state
def demo(
    state: _State,
    pack_folder: Path | None,
    port: int | None,
    host: str,
    no_browser: bool,
    demo_instance: str | None,
) -> None:
    """Try everything without an LMS: the tool beside a practice LMS.

    The practice LMS has a course with an instructor, a coach and five
    learners; launch as any of them (real LTI 1.3 messages), place a
    credential, submit, review, award, see the grade and download the badge.
    SQLite in ./instance (or --instance); a second start reuses it.
    """
    try:
        from mcembed_lti.practice import EXAMPLE_PACK, serve_demo  # type: ignore[import-not-found, unused-ignore]
    except ImportError as e:
        raise click.ClickException(
            f'The demo needs the LTI tool: pip install -e ".[lti]" ({e})'
        ) from None
    if pack_folder is None:
        here = Path("examples/professional-learning")
        pack_folder = here if here.is_dir() else EXAMPLE_PACK
        if not pack_folder.is_dir():
            raise click.ClickException("No pack to show: give one with --pack DIR.")
    load_pack(pack_folder)  # every problem of the pack, before anything starts
    instance = Path(demo_instance or state.instance or "instance")

    def ready(started: Any) -> None:
        url = started.base + "/practice/"
        again = "" if started.first_start else " (reusing it)"
        click.echo(f"mcembed demo: instance {started.instance}{again}, pack {pack_folder}")
        click.echo(f"Open {url}")
        click.echo("Press Ctrl-C to stop.")
        if not no_browser and _has_display():
            import threading
            import webbrowser

            # some console browsers block until closed: never hold the server for them
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()

    click.echo(f"Starting the demo in {instance} ...")
    try:
        serve_demo(instance, host=host, port=port, pack=pack_folder, ready=ready)
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    except OSError as e:
        raise click.ClickException(f"Cannot listen on {host}:{port}: {e.strerror or e}") from None
    click.echo("Stopped.")


# --- Open Badges: the issuer, verify, revoke, bulk award ------------------------------


@cli.group()
def issuer() -> None:
    """The issuer of the instance's badges: its profile and signing keys."""


@issuer.command("init")
@click.option("--name", required=True, help="The organisation's name, as holders see it.")
@click.option("--url", required=True, help="The organisation's home page.")
@click.option("--email", default="", help="A contact address.")
@click.option("--description", default="", help="One or two sentences about the issuer.")
@click.option("--image", default="", help="URL of the issuer's logo.")
@click.option(
    "--id",
    "identity",
    type=click.Choice(["https", "did:web", "did:key"]),
    default="https",
    show_default=True,
    help="How the issuer id resolves: its https profile URL, did:web, or did:key (offline).",
)
@click.option(
    "--base-url",
    envvar="MCEMBED_BASE_URL",
    default="",
    help="The tool's public https URL (default: MCEMBED_BASE_URL).",
)
@click.option("--slug", default="main", show_default=True, help="The issuer's path: /issuers/SLUG.")
@click.option(
    "--jwt-alg",
    type=click.Choice(["RS256", "EdDSA"]),
    default="RS256",
    show_default=True,
    help="The VC-JWT algorithm (RS256 is the one every verifier supports).",
)
@click.option(
    "--proof",
    "proofs",
    multiple=True,
    type=click.Choice(["vc-jwt", "data-integrity"]),
    help="Proof formats of each credential (repeatable; default: both).",
)
@pass_state
def issuer_init(
    state: _State,
    name: str,
    url: str,
    email: str,
    description: str,
    image: str,
    identity: str,
    base_url: str,
    slug: str,
    jwt_alg: str,
    proofs: Sequence[str],
) -> None:
    """Create the issuer profile and its signing keys (Ed25519 and RSA-2048).

    Private keys are written to the instance's keys/ folder, readable by you
    only (set MCEMBED_ISSUER_KEY_PASSPHRASE to encrypt them as well).
    """
    from .badges import IdentityKind, IssuerProfile, KeyType, ProofFormat, init_issuer

    kind = IdentityKind(identity)
    if kind is IdentityKind.DID_KEY and jwt_alg == "RS256":
        jwt_alg = "EdDSA"  # a did:key is one Ed25519 key
    profile = IssuerProfile(
        name=name,
        url=url,
        email=email,
        description=description,
        image=image,
        identity=kind,
        base_url=base_url.rstrip("/"),
        slug=slug,
        jwt_alg=KeyType(jwt_alg),
        proofs=tuple(ProofFormat(p) for p in proofs)
        or (ProofFormat.VC_JWT, ProofFormat.DATA_INTEGRITY),
    )
    created = init_issuer(state.settings, profile)
    click.echo(f"Created the issuer {created.id}")
    for key in created.keys.keys:
        click.echo(f"  key {key.kid} ({key.alg})")
    click.echo(f"Keys are in {state.settings.instance / 'keys'} (private keys mode 0600).")
    if kind is IdentityKind.HTTPS:
        click.echo(f"The web tool publishes the profile at {created.id}")
    elif kind is IdentityKind.DID_WEB:
        did_url = f"{profile.base_url}/issuers/{slug}/did.json"
        click.echo(f"The web tool publishes the DID document at {did_url}")
    else:
        click.echo("A did:key resolves offline; it cannot rotate its key.")


@issuer.command("rotate-key")
@pass_state
def issuer_rotate_key(state: _State) -> None:
    """Add new signing keys; the old ones stay published so earlier badges verify."""
    from .badges import rotate_issuer_key

    rotated = rotate_issuer_key(state.settings)
    click.echo(f"Added new keys to {rotated.id}; {len(rotated.keys.keys)} keys are published:")
    for key in rotated.keys.keys:
        click.echo(f"  key {key.kid} ({key.alg}, created {key.created_at:%Y-%m-%d})")


_MARKS = {True: "ok  ", False: "FAIL", None: "--  "}
_VERDICTS = {
    "valid": "This credential is valid.",
    "revoked": "This credential has been REVOKED by its issuer.",
    "expired": "This credential has EXPIRED.",
    "not yet valid": "This credential is NOT VALID YET.",
    "invalid": "This credential is NOT valid.",
}


def _fetcher(settings: Settings) -> Any:
    """The outbound fetcher under the instance's policy (MCEMBED_FETCH_*)."""
    from .fetching import Fetcher, FetchPolicy

    return Fetcher(FetchPolicy.from_settings(settings))


def _read_source(source: str, settings: Settings) -> bytes:
    from .badges import https_fetch
    from .badges.baking import MAX_IMAGE_BYTES

    if source.startswith("https://"):
        return https_fetch(
            source, max_bytes=MAX_IMAGE_BYTES, timeout=10, fetcher=_fetcher(settings)
        )
    if source == "-":
        return sys.stdin.buffer.read(MAX_IMAGE_BYTES + 1)
    path = Path(source)
    if not path.is_file():
        raise click.ClickException(f"{source} is not a file or an https:// URL.")
    if path.stat().st_size > MAX_IMAGE_BYTES:
        raise click.ClickException(f"{source} is larger than {MAX_IMAGE_BYTES} bytes.")
    return path.read_bytes()


@cli.command()
@click.argument("source", metavar="FILE_OR_URL")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@click.option("--offline", is_flag=True, help="Fetch nothing (issuer keys, revocation lists).")
@pass_state
def verify(state: _State, source: str, as_json: bool, offline: bool) -> None:
    """Verify a badge: JSON, a VC-JWT, or a PNG or SVG image with one baked in.

    Every check is reported in words. Exit status is 0 when the credential is
    valid, 1 when it is not (revoked, expired, changed, unknown issuer...).
    """
    from .badges import https_fetcher
    from .badges.issuing import has_issuer, instance_verifier

    data = _read_source(source, state.settings)
    # the instance's database answers its own public URLs; without an issuer
    # there are none, and no instance folder is created just to verify a file
    store = state.service().store if has_issuer(state.settings) else None
    fetch = None if offline else https_fetcher(_fetcher(state.settings))
    verifier = instance_verifier(state.settings, store, fetch=fetch)
    result = verifier.verify(data)
    if as_json:
        click.echo(json.dumps(result.to_data(), indent=2))
    else:
        if result.credential is not None and isinstance(result.credential.get("id"), str):
            click.echo(f"Credential {result.credential['id']}")
        for check in result.checks:
            click.echo(f"{_MARKS[check.passed]} {check.name}: {check.message}")
        click.echo(click.style(_VERDICTS[result.status], bold=True))
    if not result.valid:
        sys.exit(1)


@cli.command()
@click.argument("award_id", metavar="AWARD")
@click.option("--reason", required=True, help="Why: shown to the holder and to verifiers.")
@pass_state
def revoke(state: _State, award_id: str, reason: str) -> None:
    """Revoke an award; the issuer's signed revocation list lists it from now on."""
    from .badges.openbadges import PublicUrls

    service = state.service()
    revoked = service.revoke(Actor.system(), award_id, reason=reason)
    click.echo(f"Revoked award {revoked.id}: {revoked.revocation_reason}")
    recognizer = service.recognizer
    urls = getattr(recognizer, "urls", None)
    if isinstance(urls, PublicUrls) and urls.status_list():
        click.echo(f"Verifiers see it in the revocation list at {urls.status_list()}")


@cli.command("award")
@click.option("--credential", "credential_id", required=True, help="The credential's id.")
@click.option(
    "--csv",
    "csv_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=(
        "Learners: a header row with id (or learner_id) and optionally name, email, "
        "course_id. A file with an email column and no id column names learners by "
        "e-mail: each learner's id is their address in lower case."
    ),
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help=(
        "Folder for each learner's credential (.jwt VC-JWT, .json with its Data "
        "Integrity proof) and baked badge (.png, .svg)."
    ),
)
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10_000))
@pass_state
def award(
    state: _State, credential_id: str, csv_file: Path, out_dir: Path, batch_size: int
) -> None:
    """Award a credential to every learner of a CSV file, with a progress bar.

    Safe to run again after a crash or Ctrl-C: nobody is awarded twice, and
    files are written whole or not at all.
    """
    from .badges import award_cohort, read_cohort_csv

    service = state.service()
    if service.recognizer is None:
        raise click.ClickException(
            "This instance has no issuer yet, so badges cannot be signed; "
            "run `mcembed issuer init` first."
        )
    rows = read_cohort_csv(csv_file)
    with click.progressbar(length=len(rows), label=f"Awarding {credential_id}") as bar:
        result = award_cohort(
            service,
            Actor.system(),
            credential_id,
            rows,
            out_dir,
            batch_size=batch_size,
            progress=bar.update,
        )
    click.echo(
        f"Awarded {result.issued}, already held {result.already_held}; "
        f"wrote {result.files_written} files to {out_dir}."
    )


# --- notebook workshops (the jupyter extra; imported only when a command runs) -------


def _jupyter_tooling() -> Any:
    try:
        from mcembed_jupyter import tooling
    except ImportError as e:
        raise click.ClickException(
            f"Workshop commands need the jupyter extra ({e.name} is missing): "
            'pip install "mcembed[jupyter]"'
        ) from None
    return tooling


@cli.group()
def workshop() -> None:
    """Notebook workshops: scaffold one for a credential, and prove its checks."""


@workshop.command("new")
@click.argument("pack_folder", metavar="PACK", type=click.Path(exists=True, path_type=Path))
@click.argument("credential_id", metavar="CREDENTIAL")
@click.option(
    "--folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the workshop (default: a folder named after the credential).",
)
def workshop_new(pack_folder: Path, credential_id: str, folder: Path | None) -> None:
    """Scaffold a workshop notebook for CREDENTIAL of PACK.

    Writes workshop.ipynb (the credential card, one widget per evidence
    requirement, a stub cell before each code check, self-assessment and the
    submit panel) and a solution.py skeleton, and adds stub functions to the
    pack's check modules for every named check they do not define yet.
    """
    tooling = _jupyter_tooling()
    made = tooling.scaffold(pack_folder, credential_id, folder or Path(credential_id))
    for module in made.check_modules:
        click.echo(f"added check stubs to {module}")
    click.echo(f"wrote {made.notebook}")
    click.echo(f"wrote {made.solution}")
    click.echo(
        "Next: write the checks and the reference solution, then run: "
        f"mcembed workshop check {made.notebook} --solution {made.solution}"
    )


@workshop.command("check")
@click.argument("notebook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--solution",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A Python file with the reference functions, or a filled-in copy of the notebook.",
)
@click.option("--timeout", default=120, show_default=True, help="Seconds each cell may run.")
def workshop_check(notebook: Path, solution: Path, timeout: int) -> None:
    """Run NOTEBOOK headless with the solution and as the blank template.

    Every code check must pass with the solution and fail with the blank
    template; exit status 1 says one does not, or a cell failed.
    """
    tooling = _jupyter_tooling()
    report = tooling.check_workshop(notebook, solution, timeout=timeout)
    for line in tooling.summarize(report):
        click.echo(line)
    if not report.ok:
        sys.exit(1)


# --- REST API tokens --------------------------------------------------------------------


def _tokens(state: _State) -> Any:
    from .tokens import Tokens

    svc = state.service()
    return Tokens(svc.store, svc.clock, svc.ids)


@cli.group()
def token() -> None:
    """Integration tokens for the REST API: create, list, revoke."""


@token.command("create")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(["learner", "review"]),
    help="What the token may do (repeatable): learner, review.",
)
@click.option("--course", required=True, help="The course id the token acts in.")
@click.option("--expires", default="90d", show_default=True, help="Lifetime: e.g. 12h, 30d, 8w.")
@click.option("--name", required=True, help="What the token is for (shown in lists).")
@click.option("--person", default="", help="The person id it acts as (default: the token's own).")
@pass_state
def token_create(
    state: _State, scopes: Sequence[str], course: str, expires: str, name: str, person: str
) -> None:
    """Make an integration token; its secret is printed once."""
    from .tokens import parse_duration

    made = _tokens(state).create_integration(
        Actor.system(),
        name=name,
        scopes=scopes,
        course_id=course,
        expires_in=parse_duration(expires),
        person_id=person,
    )
    t = made.token
    click.echo(f"Token {t.id} ({', '.join(sorted(t.scopes))}) for course {t.course_id}")
    click.echo(f"expires {t.expires_at:%Y-%m-%d %H:%M} UTC. Its secret, shown only now:")
    click.echo(made.secret)
    click.echo("Use it as: export MCEMBED_TOKEN=<the secret>  (and MCEMBED_URL=<the tool's URL>)")


@token.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@pass_state
def token_list(state: _State, as_json: bool) -> None:
    """List every token (personal and integration), newest first; never the secrets."""
    tokens = _tokens(state)
    found = tokens.list_tokens(Actor.system(), all_people=True)
    now = state.service().clock.now()
    if as_json:
        from .codec import to_data

        rows = []
        for t in found:
            row = to_data(t)
            row.pop("secret_hash", None)
            row["status"] = t.status(now)
            rows.append(row)
        click.echo(json.dumps(rows, indent=2))
        return
    if not found:
        click.echo("No tokens yet. Make one with: mcembed token create --help")
        return
    for t in found:
        used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
        click.echo(
            f"{t.id}  {t.prefix}…  {t.kind.value}  {t.status(now)}  {t.name!r}  "
            f"person {t.person_id}  course {t.course_id}  scopes {','.join(sorted(t.scopes))}  "
            f"expires {t.expires_at:%Y-%m-%d}  last used {used}"
        )


@token.command("revoke")
@click.argument("token_id")
@pass_state
def token_revoke(state: _State, token_id: str) -> None:
    """Revoke a token: it stops working at once."""
    revoked = _tokens(state).revoke(Actor.system(), token_id)
    click.echo(f"Revoked {revoked.id} ({revoked.name!r}, {revoked.prefix}…).")


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the CLI, turning expected errors into messages."""
    try:
        cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="mcembed",
            standalone_mode=False,
        )
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except McembedError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
