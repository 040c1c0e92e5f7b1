"""The loader's fast path (libyaml, ruamel positions on demand) must give exactly what the
ruamel path gives: the same data, the same problems, the same positions."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gitops_seldon.source as source
from gitops_seldon.fastyaml import load_all_fast

TRICKY = ["yes", "no", "on", "off", "y", "0777", "0o17", "1_000", "1e3", ".5", "+1", "-0",
          "null", "Null", "~", "''", "2001-12-14", "2001-12-14 21:59:43.10 -5", "0x1F",
          "0b101", "1:20", "true", "True", "TRUE", "tRUE", ".inf", "-.inf", ".nan", "=",
          "0.", "1_0.5", "00", "08", "'x'", '"y"', "!!str 5", "!!int '5'", "!!set {a, b}",
          "!!omap [a: 1]", "!!binary aGVsbG8=", "[1, 2]", "{a: 1}", "a b", "-", "- a", "@x",
          "\"\\t\"", "|\n  block\n", ">\n  folded\n"]


def ruamel_only(text: str) -> tuple[list[Any], list[Any]]:
    with mock.patch.object(source, "load_all_fast", lambda _text: None):
        documents, problems = source.parse(text, "f.yaml")
    return [(d.index, d.data) for d in documents], problems


def both(text: str) -> tuple[tuple[list[Any], list[Any]], tuple[list[Any], list[Any]]]:
    documents, problems = source.parse(text, "f.yaml")
    return ([(d.index, d.data) for d in documents], problems), ruamel_only(text)


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("scalar", TRICKY)
def test_scalars_resolve_as_ruamel_does(scalar: str) -> None:
    fast, slow = both(f"k: {scalar}\nlist:\n- {scalar}\n")
    assert same(fast[0], slow[0]) and fast[1] == slow[1]


@pytest.mark.parametrize("text", [
    "a: 1\na: 2\n",                      # duplicate key: ruamel reports it with a position
    "a:\n\tb: 1\n",                      # tab indentation
    "a: \t\n",                           # a trailing tab: libyaml accepts, ruamel refuses
    "%YAML 1.1\n---\na: yes\n",          # directive: ruamel decides
    "a: [1, 2\n",                        # syntax error
    "a: &x [1]\nb: *x\n",                # aliases
    "---\n---\na: 1\n---\n",             # empty documents keep their index
    '{"a": 1, "b": [true, null, 1.5]}',  # JSON
    "a: 1\n<<: {b: 2}\n",              # merge key
    "1: a\ntrue: b\nnull: c\n1.5: d\n",  # keys the plain form turns into text
    "? [a]\n: b\n",                    # a complex key
    "a: <<\nb: =\n",                   # merge and value tags as values
    "a:\n" + "  - " * 200 + "x\n",       # deep nesting
    "a: |#\n",                          # comment glued to a block header: ruamel refuses
    "a: -_\nb: +__\nc: 1_0\n",           # int pattern without a digit: text, not a crash
    "a: -_\nb: &x 1\n",                  # the same on the ruamel path
    "a: 0x_\nb: -0b_\nc: [0o_, 0x1_F]\n0x_: d\n",  # a base prefix without a digit: text too
    "a: 0x_\nb: &x 1\n",
])
def test_unusual_texts_agree(text: str) -> None:
    fast, slow = both(text)
    assert same(fast[0], slow[0])
    assert fast[1] == slow[1]


def test_duplicate_keys_leave_the_fast_path() -> None:
    assert load_all_fast("a: 1\na: 2\n") is None
    assert load_all_fast("a: 1\nb: 2\n") == [{"a": 1, "b": 2}]


def test_positions_come_from_ruamel_on_demand(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("---\nkind: A\n---\nkind: B\nspec:\n  list:\n  - x: 1\n", encoding="utf-8")
    documents, problems = source.load_file(path, "m.yaml")
    assert not problems and [d.index for d in documents] == [0, 1]
    assert documents[1].lazy is not None and documents[1].lazy.trees is None
    assert documents[1].position(("spec", "list", 0, "x")) == (7, 5)
    assert documents[0].position(("kind",)) == (2, 1)
    assert str(documents[1].problem(("spec",), "r", "m")) == "m.yaml:5:1: r: m"


def test_json_positions(reference: Path) -> None:
    path = (reference / "seldon" / "examples" / "invalid"
            / "notebooks__resources__model_invalid1.json")
    documents, _ = source.load_file(path, "x.json")
    loc = ("spec", "predictors", 0, "componentSpecs", 0, "spec", "containers", 0,
           "imagePullPolicy")
    assert documents[0].position(loc) == (24, 19)


def test_upstream_examples_agree(reference: Path) -> None:
    for path in sorted((reference / "seldon" / "examples").glob("*/*")):
        text = path.read_text(encoding="utf-8")
        fast, slow = both(text)
        assert same(fast[0], slow[0]), path.name


scalars = st.sampled_from(TRICKY) | st.text(
    alphabet=st.sampled_from(list("ab01:-_ .#'\"&*!%@`|>{}[],?\t\n")), max_size=8)


@st.composite
def yaml_texts(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        indent = "  " * draw(st.integers(0, 2))
        key = draw(st.sampled_from(["a", "b", "c", "- a", "-", "'k'", "? x"]))
        lines.append(f"{indent}{key}: {draw(scalars)}")
    return "\n".join(lines) + "\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(yaml_texts())
def test_generated_yaml_agrees(text: str) -> None:
    fast, slow = both(text)
    assert same(fast[0], slow[0]), (text, fast, slow)
    assert fast[1] == slow[1], text


def test_resolver_table_matches_ruamel() -> None:
    from ruamel.yaml.resolver import implicit_resolvers

    from gitops_seldon.fastyaml import RESOLVERS_12

    theirs = [(tag.rsplit(":", 1)[-1], regexp.pattern, list(first))
              for versions, tag, regexp, first in implicit_resolvers if (1, 2) in versions]
    assert [(k, p, f) for k, p, f in RESOLVERS_12] == theirs
