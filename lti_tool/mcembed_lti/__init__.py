"""mcembed as an LTI 1.3 tool: a thin Flask adapter over the core.

``create_app(config=None)`` builds the app: settings (defaults, then
``MCEMBED_*`` variables, then ``config``), the core ``Service`` and ``Lms`` on
one store, the LTI verifier, the grade sender, the blueprints and the error
pages. Production: ``gunicorn "mcembed_lti:create_app()"``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from flask import Flask, Response, g, has_request_context
from werkzeug.middleware.proxy_fix import ProxyFix

from mcembed import Event, Service, parse_json
from mcembed.badges import https_fetcher, open_recognizer
from mcembed.clock import SystemClock
from mcembed.community import Community
from mcembed.fetching import Fetcher, FetchPolicy
from mcembed.lms import Lms
from mcembed.storage import LocalBlobStore, SqlStore, Transaction
from mcembed.tokens import Tokens

from .badges import Badges
from .config import DbToolConf, ToolSettings
from .errors import register_error_handlers
from .framing import set_frame_policy
from .grades import AgsSender, Dispatcher, NoDispatcher, RqDispatcher, ThreadDispatcher
from .json_provider import JsonRequest, UntrustedJSONProvider
from .keys import ToolKeys
from .launch import Verifier
from .launch_data import KeySetCache, RedisLoginStates, ShortCache, StoreLoginStates

__all__ = ["Tool", "create_app", "worker_tool"]

log = logging.getLogger("mcembed_lti")

DEFAULTS: dict[str, Any] = {
    "INSTANCE": "instance",
    "JSON_SORT_KEYS": False,
}


@dataclass
class Tool:
    """Everything one app (or worker) process holds."""

    settings: ToolSettings
    service: Service
    lms: Lms
    keys: ToolKeys
    verifier: Verifier
    sender: AgsSender
    dispatcher: Any
    http: requests.Session
    fetcher: Fetcher
    redis: Any = None
    recent: ShortCache = field(default_factory=lambda: ShortCache(30.0))
    badges: Any = None
    tokens: Any = None
    api_limiter: Any = None

    def listener(self, event: Event, tx: Transaction) -> None:
        """The ``Service`` listener: write grade deliveries in the event's
        transaction, and remember to kick the sender after the request."""
        self.lms.on_event(event, tx)
        if has_request_context():  # not in the CLI or a worker
            g.mcembed_grades = True


def build_tool(settings: ToolSettings, options: Mapping[str, Any] | None = None) -> Tool:
    """The core objects, the verifier and the grade sender for ``settings``.

    ``options`` may inject ``STORE``, ``BLOBS``, ``CLOCK``, ``IDS``, ``HTTP``,
    ``FETCHER``, ``BADGE_FETCH`` and ``GRADE_DISPATCHER`` (tests).

    ``HTTP`` (requests) only talks to what an administrator registered (a
    platform's token, AGS and NRPS endpoints); everything fetched on someone
    else's say-so (Dynamic Registration, platform key sets, badge documents)
    goes through ``FETCHER``, the outbound fetcher under ``MCEMBED_FETCH_*``.
    """
    opts = dict(options or {})
    core = settings.core
    store = opts.get("STORE")
    if store is None:
        core.instance.mkdir(parents=True, exist_ok=True, mode=0o750)
        store = SqlStore(core.resolved_database_url, migrate=core.migrate_on_start)
    blobs = opts.get("BLOBS") or LocalBlobStore(core.files_dir)
    clock = opts.get("CLOCK") or SystemClock()
    ids = opts.get("IDS")
    http = opts.get("HTTP")
    if http is None:
        http = TimeoutSession()
        http.headers["User-Agent"] = "mcembed-lti"
    fetcher = opts.get("FETCHER") or Fetcher(
        FetchPolicy.from_settings(core), user_agent="mcembed-lti"
    )
    redis = None
    if core.redis_url:
        import redis as redis_lib

        redis = redis_lib.Redis.from_url(core.redis_url)
    lms = Lms(store, clock=clock, ids=ids)
    keys = ToolKeys(lms)
    tool = Tool(
        settings=settings,
        service=None,  # type: ignore[arg-type]  # set below: its listener needs the tool
        lms=lms,
        keys=keys,
        verifier=Verifier(
            lms,
            lambda: DbToolConf(lms, keys, tool.verifier.find_platform),
            RedisLoginStates(redis, prefix=f"{settings.redis_prefix}:login:")
            if redis is not None
            else StoreLoginStates(lms),
            KeySetCache(fetcher, redis=redis, prefix=settings.redis_prefix),
            clock,
            reviewer_roles=settings.reviewer_roles,
            session_hours=settings.session_hours,
        ),
        sender=AgsSender(keys, http),
        dispatcher=None,
        http=http,
        fetcher=fetcher,
        redis=redis,
    )
    tool.service = Service(
        store,
        blobs,
        clock=clock,
        ids=ids,
        recognizer=opts["RECOGNIZER"] if "RECOGNIZER" in opts else open_recognizer(core),
        listeners=[tool.listener],
        max_upload_bytes=core.max_upload_bytes,
        learner_quota_bytes=core.learner_quota_bytes,
    )
    recognizer = tool.service.recognizer
    # the instance's analytics settings; the recognizer also signs learner records
    tool.service.community = Community.from_settings(
        tool.service,
        core,
        clr_signer=recognizer if hasattr(recognizer, "sign_clr") else None,
    )
    tool.tokens = Tokens(store, clock, tool.service.ids)
    from .api.limits import RateLimiter

    tool.api_limiter = RateLimiter(
        settings.api_rate_limit, redis=redis, prefix=settings.redis_prefix
    )
    badge_fetch = opts["BADGE_FETCH"] if "BADGE_FETCH" in opts else https_fetcher(fetcher)
    tool.badges = Badges(tool.service, fetch=badge_fetch)
    dispatcher: Dispatcher | None = opts.get("GRADE_DISPATCHER")
    if dispatcher is None:
        if redis is not None:
            dispatcher = RqDispatcher(redis, settings.redis_prefix)
        elif settings.grade_worker == "thread":
            dispatcher = ThreadDispatcher(lms, tool.sender)
        else:
            dispatcher = NoDispatcher()
    tool.dispatcher = dispatcher
    return tool


class TimeoutSession(requests.Session):
    """A requests session whose calls time out (pylti1p3's service calls set none),
    and whose answers read their JSON with the core's ``parse_json``: an LMS
    answer nested too deeply is a ``ValueError``, as bad JSON is, where json
    would raise ``RecursionError`` (pylti1p3 calls ``.json()`` itself)."""

    timeout = 20.0

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.timeout)
        response = super().request(method, url, *args, **kwargs)
        response.json = functools.partial(_answer_json, response)  # type: ignore[method-assign]
        return response


def _answer_json(response: requests.Response, **_: Any) -> Any:
    return parse_json(response.content, what="The LMS's answer")


_worker: Tool | None = None


def worker_tool() -> Tool:
    """The tool of a worker process (RQ jobs), built once from the environment."""
    global _worker
    if _worker is None:
        flask_like = Flask("mcembed-worker")
        flask_like.config.from_prefixed_env("MCEMBED")
        settings = ToolSettings.from_config(dict(flask_like.config))
        _worker = build_tool(settings, {"GRADE_DISPATCHER": NoDispatcher()})
        redis = _worker.redis
        if redis is not None:
            _worker.dispatcher = RqDispatcher(redis, settings.redis_prefix)
    return _worker


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the LTI tool.

    Args:
        config: settings that win over the environment (tests pass ``TESTING``,
            ``INSTANCE``, ``DATABASE_URL``... and may inject ``STORE``, ``HTTP``,
            ``CLOCK``, ``IDS``, ``GRADE_DISPATCHER``).
    """
    app = Flask(__name__)
    app.json = UntrustedJSONProvider(app)
    app.request_class = JsonRequest
    app.config.from_mapping(DEFAULTS)
    # the instance config and environment, when not testing with a mapping
    app.config.from_prefixed_env("MCEMBED")
    if config:
        app.config.from_mapping(config)
    settings = ToolSettings.from_config(dict(app.config))
    app.config["SECRET_KEY"] = settings.secret_key
    # one save may carry a few files; each is capped again by its requirement
    app.config["MAX_CONTENT_LENGTH"] = settings.core.max_upload_bytes * 3 + 1024 * 1024
    tool = build_tool(settings, app.config)
    app.extensions["mcembed"] = tool.service
    app.extensions["mcembed_lti"] = tool
    if settings.proxy_count:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=settings.proxy_count,
            x_proto=settings.proxy_count,
            x_host=settings.proxy_count,
            x_port=settings.proxy_count,
            x_prefix=settings.proxy_count,
        )

    from .views import (
        analytics,
        cohorts,
        community_learner,
        directory,
        learner,
        lti,
        moderation,
        portfolio,
        public,
        review,
        tokens,
    )

    app.register_blueprint(lti.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(learner.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(cohorts.bp)
    app.register_blueprint(community_learner.bp)
    app.register_blueprint(portfolio.bp)
    app.register_blueprint(portfolio.shared)
    app.register_blueprint(directory.bp)
    app.register_blueprint(analytics.bp)
    app.register_blueprint(moderation.bp)
    app.register_blueprint(tokens.bp)
    from .api import register as register_api

    register_api(app)
    from .pages import install

    install(app)
    register_error_handlers(app)

    @app.after_request
    def headers(response: Response) -> Response:
        # pages carry the launch id in their links: never send it to other sites
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'",
        )
        set_frame_policy(tool, response)
        if g.get("mcembed_grades"):
            tool.dispatcher.kick()
        return response

    return app
