"""The community use cases: cohorts, recommendations, portfolio, the expertise
directory, programme analytics and the notification inbox.

``Community`` sits beside ``Service`` on the same store, clock, ids and files
(``service.community``, or ``Community(service)``). Each method is one
transaction and checks its permissions (``access``); the LTI pages, the REST
API and the notebook views call these methods with the acting ``Actor`` and
hold no rules of their own. The methods are grouped by area in
``community_inbox`` (notifications), ``community_cohorts``,
``community_people`` (recommendations, goals, the directory),
``community_portfolio`` and ``community_analytics``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .access import DEFAULT_ANALYTICS_ROLES, DEFAULT_MODERATION_ROLES, Role
from .analytics import DEFAULT_MIN_GROUP
from .clr import ClrSigner
from .community_analytics import AnalyticsUseCases
from .community_cohorts import CohortUseCases
from .community_people import PeopleUseCases
from .community_portfolio import PortfolioUseCases
from .errors import ConfigError

if TYPE_CHECKING:
    from .config import Settings
    from .service import Service

__all__ = ["Community"]


class Community(CohortUseCases, PeopleUseCases, PortfolioUseCases, AnalyticsUseCases):
    """Cohorts, recommendations, portfolio, directory, analytics and notifications.

    Args:
        service: the service whose store, clock, ids and files are shared.
        analytics_roles: who may see programme analytics (default: instructors
            and administrators; ``MCEMBED_ANALYTICS_ROLES``).
        moderation_roles: who may act on reported recommendations, seeing
            their senders (default: administrators; ``MCEMBED_MODERATION_ROLES``).
        min_group: the smallest group analytics show as it is
            (``MCEMBED_ANALYTICS_MIN_GROUP``, default 5).
        clr_signer: secures exported learner records (default: none; they are
            exported unsigned, saying so).
    """

    def __init__(
        self,
        service: Service,
        *,
        analytics_roles: Iterable[Role] = DEFAULT_ANALYTICS_ROLES,
        min_group: int = DEFAULT_MIN_GROUP,
        moderation_roles: Iterable[Role] = DEFAULT_MODERATION_ROLES,
        clr_signer: ClrSigner | None = None,
    ) -> None:
        if min_group < 2:
            raise ConfigError(f"MCEMBED_ANALYTICS_MIN_GROUP must be at least 2 (got {min_group})")
        self.service = service
        self.store = service.store
        self.clock = service.clock
        self.ids = service.ids
        self.blobs = service.blobs
        self.analytics_roles = frozenset(analytics_roles)
        self.min_group = min_group
        self.moderation_roles = frozenset(moderation_roles)
        self.clr_signer = clr_signer

    @classmethod
    def from_settings(
        cls, service: Service, settings: Settings, *, clr_signer: ClrSigner | None = None
    ) -> Community:
        """A ``Community`` with the instance's analytics settings."""
        return cls(
            service,
            analytics_roles=settings.analytics_roles,
            min_group=settings.analytics_min_group,
            moderation_roles=settings.moderation_roles,
            clr_signer=clr_signer,
        )
