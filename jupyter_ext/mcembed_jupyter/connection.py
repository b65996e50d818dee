"""Choosing the mode: offline, or connected to the LTI tool with the learner's token.

A workshop is connected when this kernel has a connection, from (first match):

1. ``mj.connect(url=..., token=...)`` or the connect form ``mj.connect()`` shows
   (the learner pastes the personal token from the course's learner page);
2. the environment variables ``MCEMBED_URL`` and ``MCEMBED_TOKEN`` (a JupyterHub
   sets them for each learner).

Otherwise it is offline (SQLite in the workshop folder). The token is never
shown: the form's field is a password field, emptied once used.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from .api_backend import ApiBackend
from .api_client import NEW_TOKEN, TokenRejected
from .panel import Panel, escape

__all__ = ["ConnectForm", "connect", "connected_backend", "disconnect"]

_current: ApiBackend | None = None
_offered = False  # a connect form was shown in this kernel


def connect_offered() -> bool:
    """Whether this kernel showed a connect form (a workshop made offline then says so)."""
    return _offered


def _drafts(folder: str | os.PathLike[str] | None) -> Path:
    return Path(folder if folder is not None else Path.cwd()) / "instance" / "drafts"


def connect(
    url: str | None = None,
    token: str | None = None,
    *,
    folder: str | os.PathLike[str] | None = None,
    **client_options: Any,
) -> ConnectForm:
    """Connect this kernel's workshops to the tool; returns the connect form to display.

    With a URL and a token (given, or ``MCEMBED_URL``/``MCEMBED_TOKEN``) it
    connects at once and the form says as whom; otherwise the learner pastes
    them into the form. Workshops made after a connection are connected.

    Args:
        url: the tool's address.
        token: the learner's personal token (better: the environment variable).
        folder: the workshop folder, where drafts are kept (default: the working folder).
        client_options: passed to ``ApiClient`` (``timeout``, ``retries``, ``session``).
    """
    url = url or os.environ.get("MCEMBED_URL", "")
    token = token or os.environ.get("MCEMBED_TOKEN", "")
    form = ConnectForm(url=url, folder=folder, **client_options)
    if url and token:
        form.connect_with(url, token)
    return form


def connected_backend(folder: str | os.PathLike[str] | None = None) -> ApiBackend | None:
    """This kernel's connection: the one made by ``connect``, else one from the
    environment variables, else None (offline).

    Raises:
        TokenRejected: the environment's token is not accepted.
        ConnectionFailed: the tool is unreachable and nothing was kept from before.
    """
    global _current
    if _current is None:
        url = os.environ.get("MCEMBED_URL", "").strip()
        token = os.environ.get("MCEMBED_TOKEN", "").strip()
        if url and token:
            try:
                _current = ApiBackend.connect(url, token, drafts_folder=_drafts(folder))
            except TokenRejected as e:
                lead = str(e).removesuffix(NEW_TOKEN).strip()
                raise TokenRejected(
                    f"{lead} It came from the MCEMBED_TOKEN environment variable: ask "
                    "whoever runs your notebooks to set a new one, or make a new token "
                    "on your course's learner page and run mcembed_jupyter.connect() "
                    "to paste it.",
                    e.code,
                ) from None
    return _current


def disconnect() -> None:
    """Forget this kernel's connection (workshops made afterwards are offline)."""
    global _current, _offered
    _current = None
    _offered = False


class ConnectForm(Panel):
    """The tool's address and the learner's token (a password field), and a Connect button."""

    def __init__(
        self,
        *,
        url: str = "",
        folder: str | os.PathLike[str] | None = None,
        **client_options: Any,
    ) -> None:
        global _offered
        _offered = True
        super().__init__("Connect to your course", "mcembed-connect")
        self.folder = folder
        self.client_options = client_options
        self.backend: ApiBackend | None = None
        label = {"description_width": "7em"}
        self.url = widgets.Text(
            value=url,
            description="Tool address",
            placeholder="https://",
            style=label,
            layout=widgets.Layout(width="100%"),
        )
        self.token = widgets.Password(
            description="Your token",
            placeholder="paste the token from your course's learner page",
            style=label,
            layout=widgets.Layout(width="100%"),
        )
        self.connect_button = widgets.Button(
            layout=widgets.Layout(width="fit-content"),
            description="Connect",
            icon="plug",
            button_style="primary",
        )
        self.connect_button.on_click(lambda _: self.connect())
        self.status = widgets.HTML()
        self.status.add_class("mcembed-connection")
        help_text = widgets.HTML(
            "<p>Make a personal token on your course's learner page and paste it here. "
            "It is not shown or saved in the notebook.</p>"
        )
        self.set_body([help_text, self.url, self.token, self.connect_button, self.status])
        self._show()

    def connect(self) -> bool:
        """Connect with what the fields hold; the token field is emptied either way."""
        token = str(self.token.value)
        self.token.value = ""
        return self.connect_with(str(self.url.value), token)

    def connect_with(self, url: str, token: str) -> bool:
        global _current
        self.say("")
        with self.showing_errors():
            backend = ApiBackend.connect(
                url, token, drafts_folder=_drafts(self.folder), **self.client_options
            )
            self.backend = _current = backend
            self.url.value = backend.url
            self._show()
            self.say(
                "Connected. Workshops you run from now on send their evidence to your course; "
                "if the workshop cells already ran, run them again.",
                kind="ok",
            )
            return True
        return False

    def _show(self) -> None:
        backend = self.backend
        if backend is None:
            self.status.value = "<p>Not connected: evidence stays in this folder (offline).</p>"
            return
        who = backend.actor.name or backend.actor.id
        course = backend.me.get("course_id") or ""
        self.status.value = (
            f"<p role='status'>Connected to {escape(backend.url)} as <strong>{escape(who)}</strong>"
            + (f" (course {escape(str(course))})" if course else "")
            + ".</p>"
        )
