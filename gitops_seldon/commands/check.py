"""gitops-seldon check [--base REF] [--summary-file PATH]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gitops_seldon.problems import Problem
from gitops_seldon.report import report

if TYPE_CHECKING:
    from gitops_seldon.gate import CheckResult


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "The pull-request gate: validate the repository, check that the committed output\n"
        "is what render produces, and summarise what changes in which environment\n"
        "compared with the base revision (models added, removed, field-level changes;\n"
        "never a secret value).\n\n"
        "examples:\n"
        "  gitops-seldon check                          # against HEAD: uncommitted changes\n"
        "  gitops-seldon check --base origin/main       # what this branch changes\n"
        "  gitops-seldon check --base origin/main --format github \\\n"
        "      --summary-file \"$GITHUB_STEP_SUMMARY\"    # in GitHub Actions\n\n"
        "exit codes: 0 ok, 1 problems or stale output, 2 usage error or unknown base\n"
    )
    parser.add_argument(
        "--base", metavar="REF",
        help="revision to compare with; a branch is compared from its merge base with HEAD "
             "(default: origin/$GITHUB_BASE_REF in a pull request, else HEAD)")
    parser.add_argument(
        "--summary-file", type=Path, metavar="PATH",
        help="append the Markdown summary to PATH (e.g. $GITHUB_STEP_SUMMARY) instead of "
             "printing it")


def run(args: argparse.Namespace) -> int:
    from gitops_seldon.gate import run_check

    root = Path(args.repo)
    result = run_check(root, args.base)
    output = _output_folder(root)
    stale = [Problem(f"{output}/{path}", 0, 0, "stale-output",
                     "generated file differs from what render writes; run "
                     "'gitops-seldon render' and commit the result")
             for path in result.stale or ()]
    summary = result.markdown()
    if args.format == "json":
        _json(result, [*result.problems, *stale], summary)
        if args.summary_file is not None:
            with args.summary_file.open("a", encoding="utf-8") as handle:
                handle.write(summary)
        return 1 if result.failed else 0
    problems = [*result.problems, *stale]
    if args.format == "github":
        problems = _from_git_top(root, problems)
    report(problems, args.format, sys.stdout)
    if args.summary_file is not None:
        with args.summary_file.open("a", encoding="utf-8") as handle:
            handle.write(summary)
    else:
        if result.problems or stale:
            sys.stdout.write("\n")
        sys.stdout.write(summary)
    return 1 if result.failed else 0


def _output_folder(root: Path) -> str:
    from gitops_seldon.load import load_config

    config, _ = load_config(root)
    return config.value.spec.paths.output if config is not None else "deploy"


def _json(result: CheckResult, problems: list[Problem], summary: str) -> None:
    """One JSON document: problems as ``validate --format json`` prints them, the stale
    files, and the changes per environment (key names only for secrets, as in Markdown)."""
    import io
    import json

    buffer = io.StringIO()
    report(problems, "json", buffer)
    document = {
        "problems": json.loads(buffer.getvalue()),
        "stale": result.stale,
        "base": None if result.base is None else {"ref": result.base.requested,
                                                  "sha": result.base.sha,
                                                  "mergeBase": result.base.merge_base},
        "environments": None if result.environments is None else [
            {"environment": e.env, "note": e.note,
             "changes": [{"kind": c.kind, "name": c.name, "action": c.action,
                          "details": list(c.details)} for c in e.changes]}
            for e in result.environments],
        "notes": result.notes,
        "summary": summary,
    }
    json.dump(document, sys.stdout, indent=2)
    sys.stdout.write("\n")


def _from_git_top(root: Path, problems: list[Problem]) -> list[Problem]:
    """GitHub places annotations by path from the top of the repository; problems name
    files from the gitops-seldon root, which may be a subdirectory of it."""
    from dataclasses import replace

    from gitops_seldon.vcs import GitError, open_repository

    try:
        with open_repository(root) as repository:
            prefix = repository.relative(root)
    except GitError:
        return problems
    if prefix == ".":
        return problems
    return [replace(p, path=f"{prefix}/{p.path}") for p in problems]
