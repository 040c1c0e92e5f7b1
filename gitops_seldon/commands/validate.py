"""gitops-seldon validate [PATHS]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gitops_seldon.problems import has_errors
from gitops_seldon.report import report
from gitops_seldon.validate import validate


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "examples:\n"
        "  gitops-seldon validate                      # the whole repository\n"
        "  gitops-seldon validate models/iris.yaml     # one spec (pre-commit)\n"
        "  gitops-seldon validate manifests/           # raw SeldonDeployments, like kubeconform\n"
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help="files or directories to check (default: the whole repository)")


def run(args: argparse.Namespace) -> int:
    problems = validate(list(args.paths), Path(args.repo))
    report(problems, args.format, sys.stdout)
    return 1 if has_errors(problems) else 0
