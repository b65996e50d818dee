"""Who may see and do what, as a matrix over roles and courses."""

from __future__ import annotations

import pytest

from factories import ADMIN, FOREIGN_REVIEWER, LEARNER, NOW, OTHER_LEARNER, REVIEWER, TA
from mcembed import Actor, PermissionDenied, Submission
from mcembed.access import can_review, can_see_submission, require_owner

SUB = Submission(
    id="sub_1",
    credential_id="c",
    credential_version="1",
    learner_id=LEARNER.id,
    course_id="course-1",
    created_at=NOW,
    updated_at=NOW,
)

MATRIX = [
    # actor, may see, may review, may change
    (LEARNER, True, False, True),
    (OTHER_LEARNER, False, False, False),
    (REVIEWER, True, True, False),
    (TA, True, True, False),
    (FOREIGN_REVIEWER, False, False, False),
    (ADMIN, True, True, False),
    (Actor(id=LEARNER.id, course_id="course-9"), False, False, False),
]


@pytest.mark.parametrize(
    ("actor", "see", "review", "change"), MATRIX, ids=lambda v: getattr(v, "id", str(v))
)
def test_permission_matrix(actor: Actor, see: bool, review: bool, change: bool) -> None:
    assert can_see_submission(actor, SUB) is see
    assert can_review(actor, SUB) is review
    if change:
        require_owner(actor, SUB)
    else:
        with pytest.raises(PermissionDenied):
            require_owner(actor, SUB)


def test_nobody_reviews_their_own_submission() -> None:
    teacher_as_learner = Submission(
        id="sub_2",
        credential_id="c",
        credential_version="1",
        learner_id=REVIEWER.id,
        course_id="course-1",
        created_at=NOW,
        updated_at=NOW,
    )
    assert not can_review(REVIEWER, teacher_as_learner)
