"""gitops-seldon check [--base REF] [--summary-file PATH]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gitops_seldon.problems import Problem
from gitops_seldon.report import report


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
    report([*result.problems, *stale], args.format, sys.stdout)
    summary = result.markdown()
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
