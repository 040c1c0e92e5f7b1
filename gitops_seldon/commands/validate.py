"""gitops-seldon validate [--secrets-only] [PATHS]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gitops_seldon.problems import has_errors
from gitops_seldon.report import report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "examples:\n"
        "  gitops-seldon validate                      # the whole repository\n"
        "  gitops-seldon validate models/iris.yaml     # one spec (pre-commit)\n"
        "  gitops-seldon validate manifests/           # raw SeldonDeployments, like kubeconform\n"
        "  gitops-seldon validate --secrets-only x.yaml  # only: no plaintext Secret\n"
        "\n"
        "exit codes: 0 no errors (warnings may be printed), 1 errors found, 2 usage error\n"
        "rules: docs/validate-rules.md"
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help="files or directories to check (default: the whole repository); "
                             "directories are searched for .yaml, .yml and .json files")
    parser.add_argument("--secrets-only", action="store_true",
                        help="only report Kubernetes Secrets with plaintext data (the "
                             "no-plaintext-secrets pre-commit hook); any file, any repository")


def run(args: argparse.Namespace) -> int:
    from gitops_seldon.validate import check_secrets, validate

    root = Path(args.repo)
    if args.secrets_only:
        problems = check_secrets(list(args.paths), root)
    else:
        problems = validate(list(args.paths), root)
    report(problems, args.format, sys.stdout)
    return 1 if has_errors(problems) else 0
