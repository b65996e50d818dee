"""Connected mode: the ``Backend`` over the LTI tool's REST API v1.

Evidence goes into the same submission the LMS shows, with the learner's
personal token (pasted into ``mj.connect()``, or ``MCEMBED_URL`` and
``MCEMBED_TOKEN`` set by a JupyterHub). Domain values travel as
``mcembed.codec.to_data`` and come back through ``from_data``, so the widgets
get the very values the offline backend gives them.

When the network drops, nothing typed is lost:

- every edit is already in the workshop's drafts folder (``drafts.py``);
- a save that cannot be sent is queued in an outbox file beside the drafts,
  and sent, before anything else, with the next call that reaches the tool
  (also after a kernel restart);
- what the tool last said (who the learner is, the credential, the
  submission) is kept too, so a kernel started without a network still shows
  the widgets and keeps what is typed.

A submit is never queued (the learner must see it done); its retries reuse
one ``Idempotency-Key``, so an answer lost on the way back does not submit twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from mcembed import (
    Actor,
    Award,
    Board,
    BoardRow,
    CoachingNeed,
    Cohort,
    CohortView,
    Credential,
    CriterionScore,
    EvidenceItem,
    McembedError,
    ReviewOutcome,
    Role,
    SelfAssessment,
    Submission,
    SubmissionDetail,
    SubmissionState,
    ValidationError,
)
from mcembed.badges import BadgeFile, Verification
from mcembed.codec import from_data, to_data

from .api_client import ApiClient, ConnectionFailed, TokenRejected

__all__ = ["ApiBackend"]

T = TypeVar("T")


def _q(part: str) -> str:
    return quote(part, safe="")


class ApiBackend:
    """The learner's work, kept in the LTI tool through its REST API.

    Args:
        client: the API client (URL and token).
        drafts_folder: where drafts, the outbox and the last answers are kept
            on this machine (default: ``instance/drafts`` in the working folder).
        me: the answer of ``GET /me`` if already known (else asked now).

    Raises:
        TokenRejected: the tool did not accept the token.
        ConnectionFailed: the tool could not be reached and nothing was kept from before.
    """

    def __init__(
        self,
        client: ApiClient,
        *,
        drafts_folder: str | os.PathLike[str] | None = None,
        me: dict[str, Any] | None = None,
    ) -> None:
        self.client = client
        self._drafts_folder = Path(drafts_folder or Path.cwd() / "instance" / "drafts")
        site = hashlib.sha256(client.url.encode()).hexdigest()[:12]
        self._cache_path = self._drafts_folder / f"api-{site}-{client.fingerprint}-cache.json"
        self._files: dict[str, tuple[BadgeFile, ...]] = {}
        self._cache: dict[str, Any] = _read_json(self._cache_path)
        self.offline_since: str | None = None
        """When the tool was last found unreachable (ISO time), or None while it answers."""
        self.token_problem: str | None = None
        """Why the tool stopped accepting the token (expired, revoked), or None."""
        self.flush_problems: list[str] = []
        """Queued saves the tool refused when they were finally sent (with why)."""
        self._me = me if me is not None else self._remembered("me", lambda: self.client.get("/me"))
        self._actor = _actor(self._me)
        self._outbox_path = self._drafts_folder / f"api-{site}-{_key(self._actor.id)}-outbox.json"

    @classmethod
    def connect(
        cls,
        url: str,
        token: str,
        *,
        drafts_folder: str | os.PathLike[str] | None = None,
        **client_options: Any,
    ) -> ApiBackend:
        """Connect to the tool at ``url`` with ``token`` and learn who the learner is."""
        return cls(ApiClient(url, token, **client_options), drafts_folder=drafts_folder)

    def __repr__(self) -> str:
        return f"ApiBackend({self.client.url!r}, actor={self._actor.id!r})"

    @property
    def actor(self) -> Actor:
        return self._actor

    @property
    def me(self) -> dict[str, Any]:
        """What the tool says about the token: person, course, scopes, expiry."""
        return dict(self._me)

    @property
    def url(self) -> str:
        return self.client.url

    @property
    def drafts_folder(self) -> Path:
        return self._drafts_folder

    def status(self) -> str:
        """One line for the learner: where the evidence goes, or that the tool is unreachable."""
        who = self._actor.name or self._actor.id
        waiting = len(_read_json(self._outbox_path))
        if self.token_problem is not None:
            return f"{self.token_problem} What you type is kept on this computer in the meantime."
        if self.offline_since is not None:
            return (
                f"The tool at {self.url} cannot be reached right now: what you type is kept "
                "on this computer and sent when the connection returns"
                + (f" ({waiting} save{'s' if waiting != 1 else ''} waiting)." if waiting else ".")
            )
        line = f"Connected to {self.url} as {who}: your evidence goes to your course."
        if self.flush_problems:
            line += (
                " A save made while offline was refused when it was sent (your text is "
                f"still in its box): {self.flush_problems[-1]}"
            )
        return line

    # --- credentials -------------------------------------------------------------------

    def get_credential(self, credential_id: str, version: str | None = None) -> Credential:
        path = f"/credentials/{_q(credential_id)}"
        params = {"version": version} if version else None
        key = f"credential:{credential_id}:{version or ''}"
        data = self._remembered(key, lambda: self.client.get(path, params))
        return from_data(Credential, data)

    def read_check_module(self, credential: Credential, requirement_id: str) -> str:
        path = f"/credentials/{_q(credential.id)}/checks/{_q(requirement_id)}"
        key = f"checks:{credential.id}:{credential.version}:{requirement_id}"
        data = self._remembered(key, lambda: self.client.get(path, {"version": credential.version}))
        return str(data["source"])

    # --- the learner's submission --------------------------------------------------------

    def start_submission(self, credential_id: str) -> Submission:
        data = self._remembered(
            f"start:{credential_id}",
            lambda: self.client.post("/submissions", {"credential_id": credential_id}),
        )
        return from_data(Submission, data)

    def get_submission(self, submission_id: str) -> SubmissionDetail:
        path = f"/submissions/{_q(submission_id)}"
        data = self._remembered(f"detail:{submission_id}", lambda: self.client.get(path))
        return from_data(SubmissionDetail, data)

    def save_draft(self, submission_id: str, items: Iterable[EvidenceItem]) -> Submission:
        items = list(items)
        path = f"/submissions/{_q(submission_id)}/evidence"
        key = uuid.uuid4().hex
        body = {"items": [to_data(item) for item in items]}
        try:
            # what waits in the outbox goes first; the text itself is in the drafts already
            answer = self._call(lambda: self.client.put(path, body, idempotency_key=key))
        except ConnectionFailed as e:
            self._queue(submission_id, items)
            raise ConnectionFailed(
                f"{e}\nYour work is saved on this computer and will be sent "
                "when the connection returns."
            ) from e
        return from_data(Submission, answer)

    def attach_file(
        self, submission_id: str, requirement_id: str, filename: str, data: bytes
    ) -> Submission:
        answer = self._call(
            lambda: self.client.read_json(
                self.client.request(
                    "POST",
                    f"/submissions/{_q(submission_id)}/files",
                    data={"requirement_id": requirement_id},
                    files={"file": (filename, data)},
                )
            )
        )
        return from_data(Submission, answer)

    def submit(self, submission_id: str) -> Submission:
        key = uuid.uuid4().hex  # one key for every try of this submit
        path = f"/submissions/{_q(submission_id)}/submit"
        try:
            answer = self._call(lambda: self.client.post(path, {}, idempotency_key=key))
        except ConnectionFailed as e:
            raise ConnectionFailed(f"Not submitted yet. {e}") from e
        return from_data(Submission, answer)

    def self_assess(
        self, submission_id: str, scores: Iterable[CriterionScore], note: str = ""
    ) -> SelfAssessment:
        body = {"scores": to_data(list(scores)), "note": note}
        path = f"/submissions/{_q(submission_id)}/self-assessment"
        return from_data(SelfAssessment, self._call(lambda: self.client.post(path, body)))

    def read_evidence_file(self, submission_id: str, sha256: str) -> bytes:
        path = f"/submissions/{_q(submission_id)}/files/{_q(sha256)}"
        return self._call(lambda: self.client.get_bytes(path))

    def list_submissions(
        self, *, credential_id: str | None = None, states: Sequence[SubmissionState] = ()
    ) -> list[Submission]:
        params: dict[str, Any] = {"limit": 500}
        if credential_id:
            params["credential_id"] = credential_id
        if states:
            params["state"] = [s.value for s in states]
        data = self._call(lambda: self.client.get("/submissions", params))
        return [from_data(Submission, item) for item in data["items"]]

    def record_review(
        self,
        submission_id: str,
        scores: Iterable[CriterionScore],
        *,
        feedback: str = "",
        expected_revision: int | None = None,
    ) -> ReviewOutcome:
        """A reviewer's decision (a token with the ``review`` scope)."""
        body = {
            "scores": to_data(list(scores)),
            "feedback": feedback,
            "expected_revision": expected_revision,
        }
        path = f"/submissions/{_q(submission_id)}/reviews"
        detail = from_data(SubmissionDetail, self._call(lambda: self.client.post(path, body)))
        latest = max(detail.reviews, key=lambda r: (r.attempt, r.created_at))
        return ReviewOutcome(submission=detail.submission, review=latest, award=detail.award)

    # --- cohorts ----------------------------------------------------------------------

    def list_cohorts(self) -> list[Cohort]:
        data = self._call(lambda: self.client.get("/cohorts"))
        return [from_data(Cohort, item) for item in data["items"]]

    def get_cohort(self, cohort_id: str) -> CohortView:
        path = f"/cohorts/{_q(cohort_id)}"
        return from_data(CohortView, self._call(lambda: self.client.get(path)))

    def my_progress(self, cohort_id: str) -> BoardRow:
        path = f"/cohorts/{_q(cohort_id)}/progress"
        return from_data(BoardRow, self._call(lambda: self.client.get(path)))

    def progress_board(self, cohort_id: str) -> Board:
        path = f"/cohorts/{_q(cohort_id)}/board"
        return from_data(Board, self._call(lambda: self.client.get(path)))

    def coaching_list(self, cohort_id: str) -> list[CoachingNeed]:
        path = f"/cohorts/{_q(cohort_id)}/coaching"
        data = self._call(lambda: self.client.get(path))
        return [from_data(CoachingNeed, item) for item in data["items"]]

    def board_chart(self, cohort_id: str) -> str:
        """The SVG chart the tool draws (``Accept: image/svg+xml`` on the board)."""
        path = f"/cohorts/{_q(cohort_id)}/board"
        answer = self._call(
            lambda: self.client.request(
                "GET", path, headers={"Accept": "image/svg+xml"}, json_answer=False
            )
        )
        return str(answer.text)

    # --- awards and badges ---------------------------------------------------------------

    def list_awards(self) -> list[Award]:
        data = self._call(lambda: self.client.get("/awards"))
        return [from_data(Award, item) for item in data["items"]]

    def badge_files(self, award: Award) -> tuple[BadgeFile, ...]:
        found = self._files.get(award.id)
        if found is None:
            base = f"/awards/{_q(award.id)}/files"
            entries = self._call(lambda: self.client.get(base))["items"]
            found = self._files[award.id] = tuple(  # an award's files never change
                BadgeFile(
                    name=entry["filename"],
                    media_type=entry["media_type"],
                    data=self._call(
                        lambda e=entry: self.client.get_bytes(f"{base}/{_q(e['kind'])}")
                    ),
                )
                for entry in entries
            )
        return found

    def verify_badge(self, data: bytes) -> Verification:
        answer = self._call(
            lambda: self.client.read_json(
                self.client.request(
                    "POST",
                    "/verify",
                    data=data,
                    headers={"Content-Type": "application/octet-stream"},
                )
            )
        )
        return from_data(Verification, answer)

    # --- the outbox: saves that wait for the network ------------------------------------

    @property
    def queued(self) -> dict[str, list[EvidenceItem]]:
        """Saves not yet sent, by submission id."""
        return {
            sid: [from_data(EvidenceItem, d) for d in entry["items"].values()]
            for sid, entry in _read_json(self._outbox_path).items()
        }

    def flush(self) -> int:
        """Send every queued save now; returns how many submissions were sent.

        Raises:
            ConnectionFailed: the tool is still unreachable (the queue stays).
        """
        sent = 0
        for submission_id in list(_read_json(self._outbox_path)):
            try:
                self._send_queued(submission_id)
            except (ConnectionFailed, TokenRejected):
                raise  # the queue waits for the network, or for a new token
            except McembedError as e:
                # e.g. submitted meanwhile, or evidence the tool refuses: the
                # learner's drafts still hold the text; say why it was not kept
                self.flush_problems.append(str(e))
                self._drop(submission_id)
            else:
                sent += 1
        return sent

    def _queue(self, submission_id: str, items: list[EvidenceItem]) -> None:
        outbox = _read_json(self._outbox_path)
        entry = outbox.setdefault(submission_id, {"items": {}})
        entry["key"] = uuid.uuid4().hex  # new content, new key
        for item in items:
            entry["items"][item.requirement_id] = to_data(item)
        _write_json(self._outbox_path, outbox)

    def _send_queued(self, submission_id: str) -> Submission:
        entry = _read_json(self._outbox_path).get(submission_id)
        if entry is None:
            raise ValidationError(f"Nothing is queued for submission {submission_id}.")
        path = f"/submissions/{_q(submission_id)}/evidence"
        body = {"items": list(entry["items"].values())}
        answer = self._call(
            lambda: self.client.put(path, body, idempotency_key=entry["key"]), flush=False
        )
        self._drop(submission_id)
        return from_data(Submission, answer)

    def _drop(self, submission_id: str) -> None:
        outbox = _read_json(self._outbox_path)
        if outbox.pop(submission_id, None) is not None:
            _write_json(self._outbox_path, outbox)

    # --- calls ---------------------------------------------------------------------------

    def _call(self, do: Callable[[], T], *, flush: bool = True) -> T:
        """``do()`` after sending what is queued; notes when the tool is unreachable."""
        try:
            if flush and self._outbox_path.exists() and _read_json(self._outbox_path):
                self.flush()
            answer = do()
        except ConnectionFailed:
            self.offline_since = self.offline_since or datetime.now(UTC).isoformat()
            raise
        except TokenRejected as e:
            self.token_problem = str(e)
            raise
        self.offline_since = None
        self.token_problem = None
        return answer

    def _remembered(self, key: str, do: Callable[[], Any]) -> Any:
        """``do()``'s answer, kept on disk; the kept one when the tool is unreachable."""
        outbox = getattr(self, "_outbox_path", None)
        try:
            answer = self._call(do, flush=outbox is not None)
        except ConnectionFailed:
            if key not in self._cache:
                raise
            return self._cache[key]
        self._cache[key] = answer
        _write_json(self._cache_path, self._cache)
        return answer


def _actor(me: dict[str, Any]) -> Actor:
    roles = frozenset(Role(r) for r in me.get("roles") or ["learner"] if r in set(Role))
    return Actor(
        id=str(me["person_id"]),
        name=str(me.get("name") or ""),
        course_id=str(me.get("course_id") or ""),
        roles=roles or frozenset({Role.LEARNER}),
    )


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace ``path`` atomically (a crash mid-write leaves the previous version)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".api-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
