"""mcembed_jupyter: notebook workshops whose evidence earns micro-credentials.

A facilitator's notebook names a credential and places widgets between the
learning cells; the learner's work goes into a submission of the core
(``mcembed``), offline on SQLite in the workshop folder::

    import mcembed_jupyter as mj
    ws = mj.Workshop("analyse-assessment-data-python", pack="../professional-learning")
    ws.card()                                   # competency, rubric, progress
    ws.code_check("code-parse-score")           # the pack's checks on the live function
    ws.reflection("interpretation-reflection")  # prompt and live word count
    ws.upload("class-notebook")                 # file types and size from the pack
    ws.attestation("data-care-statement")
    ws.self_assessment()
    ws.submit_panel()                           # missing, submit, feedback, badge

A facilitator reviews offline with ``ws.review()``; its "Badge issuer" box
creates the workshop's did:key issuer, so awards carry signed badges that the
learner's submit panel shows verified, with PNG, SVG, JSON and JWT downloads.
Connected, the evidence goes over the LTI tool's REST API into the submission
the LMS shows, and the reviewer's feedback comes back into the submit panel:
``mj.connect()`` shows a form for the tool's address and the learner's
personal token (or ``MCEMBED_URL`` and ``MCEMBED_TOKEN``, which a JupyterHub
sets, connect every workshop on their own). The widgets hold no rules:
completeness, word bounds, decisions, permissions and whether a badge
verifies are the core's.

In a cohort, ``mj.cohort_progress()`` shows the learner's checkpoints (done,
on track, late), their due dates and the next step; for a facilitator, the
cohort's progress board with the chart the tool draws.
"""

from __future__ import annotations

from .api_backend import ApiBackend as ApiBackend
from .api_client import ConnectionFailed as ConnectionFailed
from .api_client import TokenRejected as TokenRejected
from .backend import Backend as Backend
from .backend import LocalBackend as LocalBackend
from .code_check_form import CodeCheckForm as CodeCheckForm
from .code_checks import CheckRun as CheckRun
from .code_checks import run_checks as run_checks
from .cohort_view import CohortProgressView as CohortProgressView
from .cohort_view import cohort_progress as cohort_progress
from .connection import ConnectForm as ConnectForm
from .connection import connect as connect
from .connection import disconnect as disconnect
from .credential_card import CredentialCard as CredentialCard
from .drafts import DraftStore as DraftStore
from .evidence_forms import ArtifactForm as ArtifactForm
from .evidence_forms import AttestationForm as AttestationForm
from .evidence_forms import LinkForm as LinkForm
from .evidence_forms import ReflectionForm as ReflectionForm
from .issuer_form import IssuerForm as IssuerForm
from .review_view import ReviewView as ReviewView
from .self_assessment import SelfAssessmentForm as SelfAssessmentForm
from .submit_view import SubmitView as SubmitView
from .workshop import Workshop as Workshop

__all__ = [
    "ApiBackend",
    "ArtifactForm",
    "AttestationForm",
    "Backend",
    "CheckRun",
    "CodeCheckForm",
    "CohortProgressView",
    "ConnectForm",
    "ConnectionFailed",
    "CredentialCard",
    "DraftStore",
    "IssuerForm",
    "LinkForm",
    "LocalBackend",
    "ReflectionForm",
    "ReviewView",
    "SelfAssessmentForm",
    "SubmitView",
    "TokenRejected",
    "Workshop",
    "cohort_progress",
    "connect",
    "disconnect",
    "run_checks",
]
