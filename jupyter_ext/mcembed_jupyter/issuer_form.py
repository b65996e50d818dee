"""The workshop's badge issuer (offline): who signs its badges, or a form to create one.

Nothing creates keys on its own. When the workshop's instance has no issuer,
this box says what that means (awards carry no signed badge) and what
creating one does (a signing key is written on this computer) before the
facilitator presses the button; the core's ``init_issuer`` makes it.
"""

from __future__ import annotations

import ipywidgets as widgets

from mcembed.badges import IdentityKind, IssuerIdentity

from .backend import LocalBackend
from .panel import Panel, escape

__all__ = ["IssuerForm"]


class IssuerForm(Panel):
    """Shows the issuer that signs the workshop's awards, or creates a did:key one.

    Args:
        backend: the workshop's offline backend (its instance holds the keys).
    """

    def __init__(self, backend: LocalBackend) -> None:
        super().__init__("Badge issuer", "mcembed-issuer")
        self.backend = backend
        self.status = widgets.HTML()
        style = {"description_width": "9em"}
        wide = widgets.Layout(width="36em")
        self.name = widgets.Text(
            description="Issuer name",
            placeholder="e.g. Riverbend USD data workshops",
            style=style,
            layout=wide,
        )
        self.url = widgets.Text(
            description="Home page", placeholder="https://", style=style, layout=wide
        )
        self.email = widgets.Text(
            description="Email (optional)", placeholder="badges@…", style=style, layout=wide
        )
        self.create_button = widgets.Button(
            description="Create did:key issuer",
            icon="key",
            button_style="primary",
            layout=widgets.Layout(width="fit-content"),
        )
        self.create_button.on_click(lambda _: self.create())
        self.fields = widgets.VBox([self.name, self.url, self.email, self.create_button])
        self.set_body([self.status, self.fields])
        self.refresh()

    def refresh(self) -> None:
        """Show the issuer as the instance has it now (one made in a terminal too)."""
        issuer = self.backend.issuer
        keys = escape(str(self.backend.keys_folder or "keys"))
        if issuer is not None:
            self.status.value = (
                f"<p>Badges awarded here are signed by <strong>{escape(issuer.profile.name)}"
                f"</strong>, issuer <code>{escape(issuer.id)}</code>. Learners see the badge in "
                "their submit panel, verified, with its files to download.</p>"
            )
            if issuer.profile.identity is IdentityKind.DID_KEY:
                self.status.value += (
                    f"<p><small>Its private key is in <code>{keys}</code> on this computer: "
                    "keep that folder private and backed up. A did:key issuer is its key, "
                    "so it cannot be rotated.</small></p>"
                )
            self.fields.layout.display = "none"
            return
        instance = escape(str(self.backend.settings.instance if self.backend.settings else ""))
        self.status.value = (
            "<p><strong>This workshop has no badge issuer yet.</strong> Reviews and awards "
            "are recorded, but an award made now carries no signed badge, and it cannot get "
            "one later.</p>"
            "<p>Creating the workshop's issuer writes a new Ed25519 signing key to "
            f"<code>{keys}</code> on this computer. The issuer's id is that key "
            "(<code>did:key</code>), so the badges verify anywhere, offline, with no server. "
            "The same from a terminal: <code>mcembed --instance "
            f"{instance} issuer init --id did:key --name NAME --url URL</code>.</p>"
        )
        self.fields.layout.display = None

    def create(self) -> IssuerIdentity | None:
        """Create the did:key issuer from the fields; the core checks them."""
        with self.showing_errors():
            identity = self.backend.create_issuer(
                name=self.name.value, url=self.url.value, email=self.email.value
            )
            self.refresh()
            self.say(f"Created the issuer {identity.id}. Awards are signed from now on.", kind="ok")
            return identity
        return None
