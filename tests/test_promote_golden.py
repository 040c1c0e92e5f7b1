"""Golden promotions: a commented spec promoted in several ways keeps every comment and
every untouched line byte for byte.

Each ``tests/golden-promote/<case>/`` holds ``input.yaml`` (absent: ``--create``), ``args``
(the command line after ``promote iris``), ``expected.yaml`` and, when a block is removed,
``removed`` (the comment lines that go with it). The repository they are promoted in is
``tests/golden-promote/gitops-seldon.yaml``. ``GOLDEN_UPDATE=1`` rewrites the expected
files (review the diff before committing).
"""

from __future__ import annotations

import difflib
import os
import shlex
import shutil
from pathlib import Path

import pytest

from gitops_seldon.cli import build_parser
from gitops_seldon.load import load_config
from gitops_seldon.promotion import Promotion, edit_model
from gitops_seldon.spec import API_VERSION

GOLDEN = Path(__file__).parent / "golden-promote"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())
UPDATE = os.environ.get("GOLDEN_UPDATE") == "1"


def promotion_from(args: str) -> tuple[Promotion, object]:
    parsed = build_parser("promote").parse_args(["promote", "iris", *shlex.split(args)])
    promotion = Promotion(
        model=parsed.model, model_uri=parsed.model_uri, env=parsed.env, image=parsed.image,
        replicas=parsed.replicas, canary=parsed.canary, promote_canary=parsed.promote_canary,
        create=parsed.create, implementation=parsed.implementation,
        credentials=parsed.credentials)
    return promotion, parsed


def environments() -> tuple[str, ...]:
    config, problems = load_config(GOLDEN)
    assert config is not None, problems
    return tuple(sorted(config.value.spec.environments))


def read(path: Path) -> str | None:
    return path.read_bytes().decode("utf-8") if path.exists() else None


def comment_lines(text: str) -> list[str]:
    lines = []
    for line in text.replace("\r\n", "\n").splitlines():
        if "#" in line:
            lines.append(line[line.index("#"):])
    return lines


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 8


@pytest.mark.parametrize("case", CASES)
def test_golden_edit(case: str) -> None:
    folder = GOLDEN / case
    before = read(folder / "input.yaml")
    promotion, _ = promotion_from((folder / "args").read_text().strip())
    edit = edit_model(before, promotion, "models/iris.yaml", api_version=API_VERSION,
                      environments=environments())
    if UPDATE:
        (folder / "expected.yaml").write_bytes(edit.after.encode("utf-8"))
    expected = read(folder / "expected.yaml")
    assert edit.after == expected, "".join(difflib.unified_diff(
        (expected or "").splitlines(keepends=True), edit.after.splitlines(keepends=True),
        "expected", "got"))
    assert edit.changes, "a golden case must change something"
    if before is None:
        return
    # Every comment survives, except those inside a removed block (listed in `removed`).
    removed = (folder / "removed").read_text().splitlines() if (folder / "removed").exists() \
        else []
    removed_comments = [line.strip() for line in removed]
    kept = comment_lines(edit.after)
    for comment in comment_lines(before):
        if comment.strip() in removed_comments:
            assert comment not in kept
            continue
        assert comment in kept, f"comment lost: {comment!r}"
    # Untouched lines stay byte for byte: every line the diff touches mentions a key the
    # promotion changes (or is a line of a removed block).
    changed_keys = {c.path.split(".")[-1] for c in edit.changes}
    changed_keys |= {k for c in edit.changes if isinstance(c.new, dict) for k in c.new}
    changed_keys |= {"environments", *(c.path.split(".")[2] for c in edit.changes
                                        if c.path.startswith("spec.environments."))}
    old_lines = before.splitlines(keepends=True)
    new_lines = edit.after.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for line in old_lines[i1:i2] + new_lines[j1:j2]:
            touched = any(f"{key}:" in line or f"{key}: " in line for key in changed_keys)
            inside_removed = tag in ("delete", "replace") and line in old_lines[i1:i2] and (
                line.strip() in removed_comments or any(
                    f"{key}:" in line for key in ("modelUri", "traffic", "replicas", "image")))
            assert touched or inside_removed, f"{case}: untouched line changed: {line!r}"


def test_golden_files_are_byte_exact_copies_for_crlf() -> None:
    after = read(GOLDEN / "crlf" / "expected.yaml")
    assert after is not None
    assert after.count("\r\n") == after.count("\n"), "every line keeps its CRLF"


def test_golden_inputs_validate_after_promotion_in_a_real_repository(tmp_path: Path) -> None:
    """The expected files are Models the validator accepts (the edits make sense)."""
    from gitops_seldon.validate import validate_repository

    for case in CASES:
        root = tmp_path / case
        (root / "models").mkdir(parents=True)
        shutil.copy(GOLDEN / "gitops-seldon.yaml", root / "gitops-seldon.yaml")
        shutil.copy(GOLDEN / case / "expected.yaml", root / "models" / "iris.yaml")
        errors = [p for p in validate_repository(root) if p.level.value == "error"]
        assert errors == [], f"{case}: {errors}"


@pytest.mark.parametrize("case", CASES)
def test_golden_through_the_command_line(case: str, tmp_path: Path) -> None:
    """The CLI, on a real repository, writes exactly the expected bytes and renders."""
    from gitops_seldon.cli import main

    folder = GOLDEN / case
    root = tmp_path / "repo"
    (root / "models").mkdir(parents=True)
    shutil.copy(GOLDEN / "gitops-seldon.yaml", root / "gitops-seldon.yaml")
    if (folder / "input.yaml").exists():
        shutil.copy(folder / "input.yaml", root / "models" / "iris.yaml")
    args = shlex.split((folder / "args").read_text())
    assert main(["promote", "--repo", str(root), "iris", *args]) == 0
    assert (root / "models" / "iris.yaml").read_bytes() == (folder / "expected.yaml").read_bytes()
    assert (root / "deploy" / "base" / "iris" / "seldondeployment.yaml").is_file()
    assert main(["render", "--repo", str(root), "--check"]) == 0
