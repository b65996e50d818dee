"""mcembed: micro-credentials earned from real work.

Load credential packs, run the learner's path (start, draft, submit, review,
revise, award), decide with rubrics, and store it all in SQLite or PostgreSQL.
The LTI tool (``mcembed_lti``) and the notebook widgets (``mcembed_jupyter``)
are thin shells over this package.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError as _PackageNotFoundError
from importlib.metadata import version as _version

from .access import Actor as Actor
from .access import Role as Role
from .awards import Award as Award
from .awards import AwardKind as AwardKind
from .awards import AwardStatus as AwardStatus
from .catalog import rank as rank
from .clock import FixedClock as FixedClock
from .clock import RandomIds as RandomIds
from .clock import SequentialIds as SequentialIds
from .clock import SystemClock as SystemClock
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
from .errors import AlreadyDecided as AlreadyDecided
from .errors import BadgeError as BadgeError
from .errors import ConfigError as ConfigError
from .errors import Conflict as Conflict
from .errors import EvidenceError as EvidenceError
from .errors import InvalidTransition as InvalidTransition
from .errors import Location as Location
from .errors import McembedError as McembedError
from .errors import NotFound as NotFound
from .errors import PackError as PackError
from .errors import PermissionDenied as PermissionDenied
from .errors import Problem as Problem
from .errors import SigningError as SigningError
from .errors import ValidationError as ValidationError
from .errors import VerificationError as VerificationError
from .evidence import BlobRef as BlobRef
from .evidence import CheckResult as CheckResult
from .evidence import EvidenceItem as EvidenceItem
from .evidence import WordCount as WordCount
from .evidence import count_words as count_words
from .evidence import word_count as word_count
from .instance import open_service as open_service
from .packs import Pack as Pack
from .packs import load_pack as load_pack
from .packs import pack_schema as pack_schema
from .people import Person as Person
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

try:
    __version__ = _version("mcembed")
except _PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "Action",
    "Actor",
    "Alignment",
    "AlreadyDecided",
    "Attempt",
    "Award",
    "AwardKind",
    "AwardStatus",
    "BadgeError",
    "BlobRef",
    "CheckResult",
    "CodeCheck",
    "ConfigError",
    "Conflict",
    "Credential",
    "Criterion",
    "CriterionScore",
    "Decision",
    "EarningRule",
    "Event",
    "EvidenceError",
    "EvidenceItem",
    "EvidenceKind",
    "EvidenceRequirement",
    "FixedClock",
    "HistoryEntry",
    "InvalidTransition",
    "Issuer",
    "Level",
    "Location",
    "McembedError",
    "MethodComponent",
    "NotFound",
    "Pack",
    "PackChanges",
    "PackError",
    "PassingRule",
    "PermissionDenied",
    "Person",
    "Problem",
    "RandomIds",
    "Recognizer",
    "Resource",
    "Review",
    "ReviewOutcome",
    "Role",
    "Rubric",
    "SelfAssessment",
    "SequentialIds",
    "Service",
    "Settings",
    "SigningError",
    "Stack",
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
    "is_complete",
    "load_pack",
    "open_service",
    "pack_schema",
    "rank",
    "word_count",
]
