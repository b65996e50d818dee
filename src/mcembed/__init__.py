"""mcembed: micro-credentials earned from real work.

Load credential packs, run the learner's path (start, draft, submit, review,
revise, award), decide with rubrics, and store it all in SQLite or PostgreSQL.
The LTI tool (``mcembed_lti``) and the notebook widgets (``mcembed_jupyter``)
are thin shells over this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING as _TYPE_CHECKING

from .access import Actor as Actor
from .access import Role as Role
from .analytics import AnalyticsReport as AnalyticsReport
from .analytics import Figure as Figure
from .analytics import FigureRow as FigureRow
from .analytics import Grouping as Grouping
from .analytics import ReviewerRow as ReviewerRow
from .awards import Award as Award
from .awards import AwardKind as AwardKind
from .awards import AwardStatus as AwardStatus
from .boards import Board as Board
from .boards import BoardCell as BoardCell
from .boards import BoardRow as BoardRow
from .boards import CellStatus as CellStatus
from .boards import CoachingNeed as CoachingNeed
from .boards import CoachingReason as CoachingReason
from .boards import Reminder as Reminder
from .catalog import rank as rank
from .clock import FixedClock as FixedClock
from .clock import RandomIds as RandomIds
from .clock import SequentialIds as SequentialIds
from .clock import SystemClock as SystemClock
from .clr import ClrSigner as ClrSigner
from .codec import parse_json as parse_json
from .cohorts import Checkpoint as Checkpoint
from .cohorts import Cohort as Cohort
from .cohorts import CohortMember as CohortMember
from .cohorts import Meeting as Meeting
from .cohorts import MeetingKind as MeetingKind
from .cohorts import MemberNote as MemberNote
from .cohorts import MemberStatus as MemberStatus
from .cohorts import Step as Step
from .community import Community as Community
from .community_cohorts import BoardOverview as BoardOverview
from .community_cohorts import CohortView as CohortView
from .community_cohorts import Showcase as Showcase
from .community_cohorts import ShowcaseMember as ShowcaseMember
from .community_portfolio import ClrExport as ClrExport
from .community_portfolio import NewShareLink as NewShareLink
from .config import Settings as Settings
from .credentials import Alignment as Alignment
from .credentials import CodeCheck as CodeCheck
from .credentials import Credential as Credential
from .credentials import EvidenceKind as EvidenceKind
from .credentials import EvidenceRequirement as EvidenceRequirement
from .credentials import Issuer as Issuer
from .credentials import MethodComponent as MethodComponent
from .credentials import Resource as Resource
from .credentials import ValidityPeriod as ValidityPeriod
from .directory import DirectoryEntry as DirectoryEntry
from .directory import DirectoryListing as DirectoryListing
from .directory import HeldCredential as HeldCredential
from .errors import AlreadyDecided as AlreadyDecided
from .errors import BadgeError as BadgeError
from .errors import ConfigError as ConfigError
from .errors import Conflict as Conflict
from .errors import EvidenceError as EvidenceError
from .errors import FetchError as FetchError
from .errors import FetchRefused as FetchRefused
from .errors import InvalidTransition as InvalidTransition
from .errors import Location as Location
from .errors import McembedError as McembedError
from .errors import NotFound as NotFound
from .errors import PackError as PackError
from .errors import PermissionDenied as PermissionDenied
from .errors import Problem as Problem
from .errors import QuotaExceeded as QuotaExceeded
from .errors import SigningError as SigningError
from .errors import ValidationError as ValidationError
from .errors import VerificationError as VerificationError
from .errors import excerpt as excerpt
from .evidence import BlobRef as BlobRef
from .evidence import CheckResult as CheckResult
from .evidence import EvidenceItem as EvidenceItem
from .evidence import WordCount as WordCount
from .evidence import count_words as count_words
from .evidence import word_count as word_count
from .files import FileSweep as FileSweep
from .instance import open_service as open_service
from .notifications import Notification as Notification
from .notifications import NotificationKind as NotificationKind
from .packs import Pack as Pack
from .packs import load_pack as load_pack
from .packs import pack_schema as pack_schema
from .people import Person as Person
from .portfolio import EvidenceShare as EvidenceShare
from .portfolio import Portfolio as Portfolio
from .portfolio import PortfolioEntry as PortfolioEntry
from .portfolio import PublicEntry as PublicEntry
from .portfolio import PublicPortfolio as PublicPortfolio
from .portfolio import RubricResult as RubricResult
from .portfolio import ShareLink as ShareLink
from .recommendations import Goal as Goal
from .recommendations import ReceivedRecommendation as ReceivedRecommendation
from .recommendations import Recommendation as Recommendation
from .recommendations import RecommendationStatus as RecommendationStatus
from .recommendations import RecommenderRole as RecommenderRole
from .recommendations import SentRecommendation as SentRecommendation
from .reviews import CriterionScore as CriterionScore
from .reviews import Review as Review
from .reviews import SelfAssessment as SelfAssessment
from .reviews import decide as decide
from .rubrics import Criterion as Criterion
from .rubrics import Decision as Decision
from .rubrics import Level as Level
from .rubrics import PassingRule as PassingRule
from .rubrics import Rubric as Rubric
from .rubrics import evaluate as evaluate
from .service import Event as Event
from .service import PackChanges as PackChanges
from .service import Recognizer as Recognizer
from .service import ReviewOutcome as ReviewOutcome
from .service import Service as Service
from .service import SubmissionDetail as SubmissionDetail
from .stacks import EarningRule as EarningRule
from .stacks import Stack as Stack
from .stacks import is_complete as is_complete
from .submissions import Action as Action
from .submissions import Attempt as Attempt
from .submissions import HistoryEntry as HistoryEntry
from .submissions import Submission as Submission
from .submissions import SubmissionState as SubmissionState

if _TYPE_CHECKING:
    __version__: str
else:

    def __getattr__(name: str) -> str:
        # the version is read from the installed metadata when asked for:
        # importlib.metadata costs a tenth of the package's import time
        if name == "__version__":
            from importlib.metadata import PackageNotFoundError, version

            try:
                return version("mcembed")
            except PackageNotFoundError:  # pragma: no cover - running from a source tree
                return "0.0.0"
        raise AttributeError(f"module 'mcembed' has no attribute {name!r}")


__all__ = [
    "Action",
    "Actor",
    "Alignment",
    "AlreadyDecided",
    "AnalyticsReport",
    "Attempt",
    "Award",
    "AwardKind",
    "AwardStatus",
    "BadgeError",
    "BlobRef",
    "Board",
    "BoardCell",
    "BoardOverview",
    "BoardRow",
    "CellStatus",
    "CheckResult",
    "Checkpoint",
    "ClrExport",
    "ClrSigner",
    "CoachingNeed",
    "CoachingReason",
    "CodeCheck",
    "Cohort",
    "CohortMember",
    "CohortView",
    "Community",
    "ConfigError",
    "Conflict",
    "Credential",
    "Criterion",
    "CriterionScore",
    "Decision",
    "DirectoryEntry",
    "DirectoryListing",
    "EarningRule",
    "Event",
    "EvidenceError",
    "EvidenceItem",
    "EvidenceKind",
    "EvidenceRequirement",
    "EvidenceShare",
    "FetchError",
    "FetchRefused",
    "Figure",
    "FigureRow",
    "FileSweep",
    "FixedClock",
    "Goal",
    "Grouping",
    "HeldCredential",
    "HistoryEntry",
    "InvalidTransition",
    "Issuer",
    "Level",
    "Location",
    "McembedError",
    "Meeting",
    "MeetingKind",
    "MemberNote",
    "MemberStatus",
    "MethodComponent",
    "NewShareLink",
    "NotFound",
    "Notification",
    "NotificationKind",
    "Pack",
    "PackChanges",
    "PackError",
    "PassingRule",
    "PermissionDenied",
    "Person",
    "Portfolio",
    "PortfolioEntry",
    "Problem",
    "PublicEntry",
    "PublicPortfolio",
    "QuotaExceeded",
    "RandomIds",
    "ReceivedRecommendation",
    "Recognizer",
    "Recommendation",
    "RecommendationStatus",
    "RecommenderRole",
    "Reminder",
    "Resource",
    "Review",
    "ReviewOutcome",
    "ReviewerRow",
    "Role",
    "Rubric",
    "RubricResult",
    "SelfAssessment",
    "SentRecommendation",
    "SequentialIds",
    "Service",
    "Settings",
    "ShareLink",
    "Showcase",
    "ShowcaseMember",
    "SigningError",
    "Stack",
    "Step",
    "Submission",
    "SubmissionDetail",
    "SubmissionState",
    "SystemClock",
    "ValidationError",
    "ValidityPeriod",
    "VerificationError",
    "WordCount",
    "__version__",
    "count_words",
    "decide",
    "evaluate",
    "excerpt",
    "is_complete",
    "load_pack",
    "open_service",
    "pack_schema",
    "parse_json",
    "rank",
    "word_count",
]
