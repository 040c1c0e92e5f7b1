"""The README is part of the product: its commands, examples and rule list stay true."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from gitops_seldon.source import parse
from gitops_seldon.spec import Config, Credentials, Model, strict

PROJECT = Path(__file__).resolve().parent.parent
README = (PROJECT / "README.md").read_text(encoding="utf-8")
KINDS = {"Config": Config, "Model": Model, "Credentials": Credentials}


def _documented_rules(name: str) -> set[str]:
    text = (PROJECT / "docs" / name).read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([a-z0-9-]+)` \|", text, flags=re.MULTILINE))


def test_readme_starts_with_the_two_commands_ci_runs() -> None:
    first_block = README.split("```sh\n", 1)[1].split("```", 1)[0].strip().splitlines()
    assert len(first_block) == 2
    run_example, run_tests = first_block
    assert "gitops-seldon render --repo examples/ml-platform --output overlays" in run_example
    assert run_tests.endswith("python -m pytest")
    ci = (PROJECT / ".ci" / "run").read_text(encoding="utf-8")
    assert run_tests in ci, ".ci/run must run the README's test command as written"


@pytest.mark.parametrize("doc", ["validate-rules.md", "seldon-rules.md"])
def test_readme_lists_every_rule(doc: str) -> None:
    rules = _documented_rules(doc)
    assert len(rules) > 10
    missing = sorted(rule for rule in rules if f"`{rule}`" not in README)
    assert missing == []


def test_readme_spec_examples_are_valid() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", README, flags=re.DOTALL)
    checked = 0
    for block in blocks:
        if "gitops-seldon.dev/v1alpha1" not in block:
            continue
        documents, problems = parse(block, "README.md")
        assert problems == []
        data = documents[0].data
        strict.validate(KINDS[data["kind"]], data)
        checked += 1
    assert checked == 3


def test_readme_commands_parse_with_the_real_cli() -> None:
    from gitops_seldon.cli import build_parser

    session = README.split("A first session:\n\n```sh\n", 1)[1].split("```", 1)[0]
    lines = [line.split("#", 1)[0].strip() for line in session.splitlines()]
    commands = [shlex.split(line)[1:] for line in lines if line]
    assert len(commands) >= 6
    for argv in commands:
        build_parser(argv[0]).parse_args(argv)
