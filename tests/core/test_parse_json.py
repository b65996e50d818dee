"""parse_json: JSON from outside, refused with a message when no honest sender
would write it (too deep, not JSON), never with a RecursionError."""

from __future__ import annotations

import pytest

from mcembed import ValidationError, parse_json
from mcembed.codec import MAX_JSON_DEPTH

TOO_DEEP = "nested more than 64 levels deep; at most 64 levels of arrays and objects are accepted"


def arrays(depth: int) -> str:
    return "[" * depth + "]" * depth


def objects(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def test_json_up_to_the_cap_is_read() -> None:
    assert MAX_JSON_DEPTH == 64
    assert parse_json(arrays(64)) is not None
    assert parse_json(objects(64).encode())["a"]["a"]["a"]
    # brackets inside strings are text, not levels
    assert parse_json('{"x": "' + "[" * 500 + '"}') == {"x": "[" * 500}
    assert parse_json("[" + "[1]," * 1000 + "[1]]")[0] == [1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (arrays(65), "The JSON is " + TOO_DEEP),
        (objects(65), "The JSON is " + TOO_DEEP),
        (arrays(1000), "The JSON is " + TOO_DEEP),
        (objects(100_000).encode(), "The JSON is " + TOO_DEEP),
        ('{"a": [1, 2, ' + objects(70) + "]}", "The JSON is " + TOO_DEEP),
        ("{not json", "The JSON is not valid JSON: "),
        (b"\xff\xfe", "The JSON is not valid JSON: "),
        ("", "The JSON is not valid JSON: "),
    ],
    ids=["arrays", "objects", "thousand", "hundred-thousand", "inside", "syntax", "bytes", "empty"],
)
def test_json_no_honest_sender_writes_is_a_validation_error(
    text: str | bytes, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_json(text)
    assert str(refused.value).startswith(message)


def test_the_message_names_what_was_read_and_a_lower_cap() -> None:
    with pytest.raises(ValidationError, match=r"^the id_token is nested more than 3 levels"):
        parse_json(arrays(4), what="the id_token", max_depth=3)
