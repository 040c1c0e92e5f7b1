"""The loader turns every kind of malformed input into a positioned problem."""

from __future__ import annotations

import pytest

from gitops_seldon.source import decode, parse


@pytest.mark.parametrize(
    ("text", "rule", "line"),
    [
        ("a: 1\na: 2\n", "duplicate-key", 2),
        ("a:\n\tb: 1\n", "yaml-tab", 2),
        ("a: [1,\n", "yaml-syntax", 2),
    ],
)
def test_malformed_yaml_is_a_positioned_problem(text: str, rule: str, line: int) -> None:
    documents, problems = parse(text, "f.yaml")
    assert documents == []
    assert [(p.rule, p.line) for p in problems] == [(rule, line)]


def test_duplicate_key_message_never_shows_values() -> None:
    _, problems = parse("password: hunter2\npassword: s3cret\n", "f.yaml")
    assert "hunter2" not in problems[0].message
    assert "s3cret" not in problems[0].message


@pytest.mark.parametrize("text", [
    "a: !!int [1]\n", "a: !!int {b: 1}\n", "a: !!int hunter2\n", "a: !!float ''\n",
    "a: !!float e\n", "a: !!bool hunter2\n", "a: !!set hunter2\n", "? !!pairs []\n",
])
def test_explicit_tags_the_yaml_library_trips_on_are_problems(text: str) -> None:
    documents, problems = parse(text, "f.yaml")
    assert documents == []
    assert [p.rule for p in problems] == ["yaml-syntax"]
    assert "hunter2" not in problems[0].message


def test_alias_bomb_is_refused() -> None:
    levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 8):
        prev = chr(ord("a") + i - 1)
        levels.append(f"{chr(ord('a') + i)}: &{chr(ord('a') + i)} [{','.join(['*' + prev] * 9)}]")
    documents, problems = parse("\n".join(levels) + "\n", "bomb.yaml")
    assert documents == []
    assert [p.rule for p in problems] == ["yaml-aliases"]


def test_invalid_utf8_points_at_the_byte() -> None:
    text, problems = decode(b"a: 1\nb: \xff\n", "f.yaml")
    assert text is None
    assert [(p.rule, p.line, p.col) for p in problems] == [("encoding", 2, 4)]


def test_positions_are_one_based_and_fall_back_to_the_parent() -> None:
    documents, _ = parse("a:\n  b:\n    - x: 1\n      y: 2\n", "f.yaml")
    assert documents[0].position(["a", "b", 0, "y"]) == (4, 7)
    assert documents[0].position(["a", "b", 0, "missing"]) == (3, 7)
