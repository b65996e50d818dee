"""Loading packs: every problem, with file, line and field path, in one run."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest

from mcembed import EvidenceKind, PackError, load_pack, pack_schema

PACK_YAML = """\
id: test-pack
name: Test programme
issuer:
  name: Test District
  url: https://pl.example.org
"""

CREDENTIAL = """\
id: cred-a
version: 1
name: Credential A
summary: Shows a thing.
competency: Does the thing well.
evidence:
  - id: reflection
    kind: reflection
    title: Reflection
    prompt: Write about it.
    words: {min: 10, max: 100}
    criteria: [clarity]
  - id: plan
    kind: artifact
    title: Plan
    file_types: [pdf, docx]
    max_size: 5 MB
    criteria: [depth]
rubric:
  levels:
    - {label: Beginning, points: 1}
    - {label: Developing, points: 2}
    - {label: Proficient, points: 3}
    - {label: Exemplary, points: 4}
  criteria:
    - id: clarity
      name: Clarity
      descriptors: {Beginning: a, Developing: b, Proficient: c, Exemplary: d}
    - id: depth
      name: Depth
      descriptors: {Beginning: a, Developing: b, Proficient: c, Exemplary: d}
passing:
  each_at_least: Proficient
tags: [one]
"""


def write_pack(
    root: Path,
    credentials: dict[str, str] | None = None,
    stacks: dict[str, str] | None = None,
    files: dict[str, bytes] | None = None,
) -> Path:
    (root / "credentials").mkdir(parents=True)
    (root / "pack.yaml").write_text(PACK_YAML)
    for name, text in (credentials if credentials is not None else {"a.yaml": CREDENTIAL}).items():
        (root / "credentials" / name).write_text(text)
    for name, text in (stacks or {}).items():
        (root / "stacks").mkdir(exist_ok=True)
        (root / "stacks" / name).write_text(text)
    for name, data in (files or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def problems_of(root: Path) -> list[str]:
    with pytest.raises(PackError) as err:
        load_pack(root)
    return [str(p) for p in err.value.problems]


def test_a_good_pack_loads(tmp_path: Path) -> None:
    pack = load_pack(write_pack(tmp_path / "p"))
    credential = pack.credential("cred-a")
    assert credential.version == "1"
    assert credential.evidence[1].kind is EvidenceKind.ARTIFACT
    assert credential.evidence[1].max_bytes == 5_000_000
    assert credential.rubric.passing.min_levels == {"clarity": "Proficient", "depth": "Proficient"}
    assert credential.rubric.criteria[0].levels[2].descriptor == "c"
    assert len(credential.content_hash) == 64


def test_the_hash_changes_with_the_content_only(tmp_path: Path) -> None:
    a = load_pack(write_pack(tmp_path / "a")).credential("cred-a")
    b = load_pack(
        write_pack(
            tmp_path / "b", {"a.yaml": CREDENTIAL.replace("Shows a thing.", "Shows another thing.")}
        )
    ).credential("cred-a")
    c = load_pack(write_pack(tmp_path / "c", {"a.yaml": "# a comment\n" + CREDENTIAL})).credential(
        "cred-a"
    )
    assert a.content_hash != b.content_hash
    assert a.content_hash == c.content_hash


# (what to change in the credential, file:line, field path + message fragment)
BAD_CREDENTIALS = [
    (("tags: [one]", "tagz: [one]"), 34, "tagz: unknown field 'tagz' (did you mean 'tags'?)"),
    (
        ("  each_at_least: Proficient", "  each_at_least: Profficient"),
        33,
        "passing.each_at_least: no level 'Profficient' (did you mean 'Proficient'?)",
    ),
    (
        ("    criteria: [depth]", "    criteria: [deph]"),
        18,
        "evidence[1].criteria[0]: no rubric criterion 'deph' (did you mean 'depth'?)",
    ),
    (
        ("    kind: artifact", "    kind: artefact"),
        14,
        "evidence[1].kind: must be one of reflection, artifact, link, code_check, attestation (got 'artefact') (did you mean 'artifact'?)",
    ),
    (("id: cred-a", "id: Cred A"), 1, "id: 'Cred A' is not valid: use 1 to 80 lowercase letters"),
    (("summary: Shows a thing.\n", ""), 1, "summary: is required but missing"),
    (
        ("    file_types: [pdf, docx]\n", ""),
        13,
        "evidence[1].file_types: is required but missing",
    ),
    (
        ("    words: {min: 10, max: 100}", "    words: {min: 100, max: 10}"),
        11,
        "evidence[0].words: min (100) is more than max (10)",
    ),
    (
        ("    max_size: 5 MB", "    max_size: five megs"),
        17,
        "evidence[1].max_size: 'five megs' is not a size",
    ),
    (
        (
            "    words: {min: 10, max: 100}\n",
            "    words: {min: 10, max: 100}\n    file_types: [pdf]\n",
        ),
        12,
        "evidence[0].file_types: 'file_types' is only used by artifact evidence",
    ),
    (
        ("version: 1", "version: [1]"),
        2,
        "version: must be text or a whole number (got a list: [1])",
    ),
    (
        ("    - {label: Proficient, points: 3}", "    - {label: Proficient, points: 2}"),
        23,
        "rubric.levels[2].points: levels go from the lowest to the highest points",
    ),
    (
        (
            "      descriptors: {Beginning: a, Developing: b, Proficient: c, Exemplary: d}\n    - id: depth",
            "      descriptors: {Beginning: a, Developing: b, Proficient: c}\n    - id: depth",
        ),
        28,
        "rubric.criteria[0].descriptors: describe every level for this criterion; missing: Exemplary",
    ),
    (
        ("    criteria: [clarity]", "    criteria: [depth]"),
        26,
        "rubric.criteria[0].id: criterion 'clarity' is fed by no evidence",
    ),
    (
        ("tags: [one]", "tags: [one]\nimage: images/missing.png"),
        35,
        "image: image 'images/missing.png' does not exist in the pack",
    ),
    (
        ("tags: [one]", "tags: [one]\nresources:\n  - title: A\n    url: www.example.org"),
        37,
        "resources[0].url: 'www.example.org' is not a web address",
    ),
    (
        ("name: Credential A", "name: Credential A\nname: Again"),
        4,
        "name: is given twice (first on line 3)",
    ),
    (
        (
            "passing:\n  each_at_least: Proficient",
            "passing:\n  each_at_least: Proficient\n  min_total: 99",
        ),
        34,
        "passing.min_total: 99 is more than the rubric's maximum of 8 points",
    ),
]


@pytest.mark.parametrize(
    ("change", "line", "fragment"),
    BAD_CREDENTIALS,
    ids=[b[2].split(":")[0] for b in BAD_CREDENTIALS],
)
def test_bad_credentials_name_file_line_and_field(
    tmp_path: Path, change: tuple[str, str], line: int, fragment: str
) -> None:
    old, new = change
    assert old in CREDENTIAL
    root = write_pack(tmp_path / "p", {"a.yaml": CREDENTIAL.replace(old, new, 1)})
    problems = problems_of(root)
    expected_prefix = f"{root / 'credentials' / 'a.yaml'}:{line}: "
    assert any(p.startswith(expected_prefix) and fragment in p for p in problems), problems


MEGABYTE = "x" * 1_048_576
MARKED = "'" + "x" * 40 + "…' (1,048,576 characters)"

# (what to change in the credential, file:line, field path + message fragment)
OVERLONG = [
    (("id: cred-a", f"id: {MEGABYTE}"), 1, "id: " + MARKED + " is not valid"),
    (("    kind: artifact", f"    kind: {MEGABYTE}"), 14, "evidence[1].kind: must be one of"),
    (("    max_size: 5 MB", f"    max_size: {MEGABYTE}"), 17, "evidence[1].max_size: " + MARKED),
    (("    criteria: [depth]", f"    criteria: [{MEGABYTE}]"), 18, "criteria[0]: no rubric"),
    (("  each_at_least: Proficient", f"  each_at_least: {MEGABYTE}"), 33, "passing.each_at_"),
    (("tags: [one]", f"tags: [one]\n? {MEGABYTE}\n: 1"), 35, "unknown field " + MARKED),
    (
        ("tags: [one]", f"tags: [one]\nresources:\n  - title: A\n    url: {MEGABYTE}"),
        37,
        "resources[0].url: " + MARKED + " is not a web address",
    ),
    (
        ("    - {label: Exemplary, points: 4}", f"    - {{label: {MEGABYTE}, points: 4}}"),
        28,
        "rubric.criteria[0].descriptors.Exemplary: no level 'Exemplary'; the levels are "
        "Beginning, Developing, Proficient, " + MARKED,
    ),
]


@pytest.mark.parametrize(
    ("change", "line", "fragment"),
    OVERLONG,
    ids=["id", "kind", "max_size", "criteria", "each_at_least", "key", "url", "label"],
)
def test_an_overlong_value_is_quoted_as_a_short_excerpt(
    tmp_path: Path, change: tuple[str, str], line: int, fragment: str
) -> None:
    """A megabyte in a field gives a message of a line, naming file, line and field."""
    old, new = change
    assert old in CREDENTIAL
    root = write_pack(tmp_path / "p", {"a.yaml": CREDENTIAL.replace(old, new, 1)})
    problems = problems_of(root)
    prefix = f"{root / 'credentials' / 'a.yaml'}:{line}: "
    assert any(p.startswith(prefix) and fragment in p for p in problems), [
        p[:300] for p in problems
    ]
    assert all(len(p) < len(prefix) + 300 for p in problems), [p[:300] for p in problems]


@pytest.mark.parametrize(
    ("yaml_text", "line", "fragment"),
    [
        ("tags: " + "[" * 500 + "]" * 500 + "\n", 1, "is nested more than 64 levels deep"),
        (
            "tags:\n" + "".join(" " * i + "- k:\n" for i in range(1, 200, 2)),
            34,
            "is nested more than 64 levels deep",
        ),
        ("tags: " + "[" * 5000 + "]" * 5000 + "\n", 1, "YAML syntax error"),
        ("version: " + "9" * 5000 + "\n", 1, "version: is a number of 5,000 characters"),
    ],
    ids=["flow", "block", "beyond-libyaml", "long-number"],
)
def test_deep_or_unreadable_yaml_is_a_pack_problem(
    tmp_path: Path, yaml_text: str, line: int, fragment: str
) -> None:
    """Data no pack needs is a problem with a line, not a RecursionError or ValueError."""
    root = write_pack(tmp_path / "p", {"a.yaml": yaml_text})
    problems = problems_of(root)
    prefix = f"{root / 'credentials' / 'a.yaml'}:{line}: "
    assert any(p.startswith(prefix) and fragment in p for p in problems), problems


def test_every_problem_is_reported_in_one_run(tmp_path: Path) -> None:
    broken = (
        CREDENTIAL.replace("tags: [one]", "tagz: [one]")
        .replace("criteria: [depth]", "criteria: [deph]")
        .replace("each_at_least: Proficient", "each_at_least: Good")
    )
    root = write_pack(
        tmp_path / "p",
        {
            "a.yaml": broken,
            "b.yaml": CREDENTIAL.replace("id: cred-a", "id: cred-b").replace(
                "version: 1", "version: {}"
            ),
        },
    )
    problems = problems_of(root)
    assert len(problems) >= 4
    assert any("tagz" in p for p in problems)
    assert any("deph" in p for p in problems)
    assert any("'Good'" in p for p in problems)
    assert any("b.yaml:2: version" in p for p in problems)


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    root = write_pack(tmp_path / "p", {"a.yaml": CREDENTIAL, "b.yaml": CREDENTIAL})
    problems = problems_of(root)
    assert any(
        "b.yaml:1: id: id 'cred-a' is already used in" in p and "a.yaml:1" in p for p in problems
    )


def test_yaml_syntax_errors_have_a_line(tmp_path: Path) -> None:
    root = write_pack(tmp_path / "p", {"a.yaml": "id: x\nname: [unclosed\n"})
    problems = problems_of(root)
    assert any("a.yaml:3: YAML syntax error" in p for p in problems), problems


def test_stacks_must_refer_to_members_and_not_cycle(tmp_path: Path) -> None:
    stack = "id: s1\nversion: 1\nname: S1\nsummary: s\nmembers: [cred-a, s2, cred-x]\n"
    other = "id: s2\nversion: 1\nname: S2\nsummary: s\nmembers: [s1]\nrule: n_of\nn: 3\n"
    root = write_pack(tmp_path / "p", stacks={"s1.yaml": stack, "s2.yaml": other})
    problems = problems_of(root)
    assert any(
        "s1.yaml:5: members[2]: no credential or stack 'cred-x' in this pack (did you mean 'cred-a'?)"
        in p
        for p in problems
    )
    assert any("stacks form a cycle: s1 -> s2 -> s1" in p for p in problems)
    assert any("s2.yaml:7: n: is 3, but the stack has only 1 members" in p for p in problems)


def test_code_checks_must_exist_in_their_module(tmp_path: Path) -> None:
    code = CREDENTIAL.replace(
        "  - id: plan\n",
        "  - id: code\n    kind: code_check\n    title: Code\n    target: f\n    module: checks/c.py\n    checks:\n      - {name: check_mean, description: d}\n      - {name: check_median, description: d}\n    criteria: [depth]\n  - id: plan\n",
    )
    root = write_pack(
        tmp_path / "p",
        {"a.yaml": code},
        files={
            "checks/c.py": b"def check_mean(f):\n    assert f([1]) == 1\n\ndef check_medain(f):\n    pass\n"
        },
    )
    problems = problems_of(root)
    assert any(
        "checks[1].name: module 'checks/c.py' defines no function 'check_median' (did you mean one of 'check_medain'"
        in p
        for p in problems
    ), problems


def test_images_must_be_png_or_svg_inside_the_pack(tmp_path: Path) -> None:
    with_image = CREDENTIAL + "image: ../outside.png\n"
    root = write_pack(tmp_path / "p", {"a.yaml": with_image})
    assert any("must be a path inside the pack folder" in p for p in problems_of(root))
    root2 = write_pack(
        tmp_path / "q",
        {"a.yaml": CREDENTIAL + "image: images/a.png\n"},
        files={"images/a.png": b"GIF89a"},
    )
    assert any("is neither a PNG nor an SVG image" in p for p in problems_of(root2))


def test_missing_pack_yaml_and_stray_files(tmp_path: Path) -> None:
    root = write_pack(tmp_path / "p")
    (root / "pack.yaml").unlink()
    (root / "notes.yaml").write_text("a: 1\n")
    problems = problems_of(root)
    assert any("pack.yaml: is missing" in p for p in problems)
    assert any("notes.yaml: is not part of the pack format" in p for p in problems)


def test_the_schema_is_valid_json_schema_and_accepts_the_template() -> None:
    schema = pack_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    json.dumps(schema)


def test_init_template_is_a_valid_pack(tmp_path: Path) -> None:
    import shutil
    from importlib import resources

    with resources.as_file(resources.files("mcembed.packs") / "template") as src:
        shutil.copytree(src, tmp_path / "t")
    pack = load_pack(tmp_path / "t")
    assert [c.id for c in pack.credentials] == ["checking-for-understanding"]
    assert textwrap.dedent(pack.credentials[0].summary)
