"""Command line: parse, call the core, map the result to an exit code.

Only the chosen command's module is imported, so ``gitops-seldon validate`` (the
pre-commit hook) never pays for the Kubernetes client or GitPython.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Protocol

from gitops_seldon import __version__
from gitops_seldon.problems import GitopsSeldonError, ProblemsFound
from gitops_seldon.report import FORMATS, report

EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130

COMMANDS: dict[str, str] = {
    "validate": "check specs, credentials, SealedSecrets and SeldonDeployment manifests",
    "render": "write the Kustomize base and overlays for every environment",
    "seal": "encrypt credential values into a SealedSecret for an environment",
    "unseal": "decrypt a SealedSecret with a controller private key (recovery)",
    "check": "pull-request gate: validate, render --check and a summary of changes",
    "verify": "compare what git says with the live cluster and report drift",
    "schema": "import a SeldonDeployment CRD schema for validate to use",
    "promote": "point a model at a new modelUri (or canary), re-render, optionally commit",
    "status": "models, their URIs and prediction URLs per environment, from git",
}


class Command(Protocol):
    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def common_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--repo", default=".", metavar="DIR",
                        help="root of the gitops-seldon repository (default: current directory)")
    parent.add_argument("--format", choices=FORMATS,
                        default="github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text",
                        help="output format (default: text; github under GitHub Actions)")
    parent.add_argument("--debug", action="store_true",
                        help="show the traceback of unexpected errors")
    return parent


def load_command(name: str) -> Command:
    module: Command = importlib.import_module(f"gitops_seldon.commands.{name}")
    return module


def build_parser(selected: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gitops-seldon",
        description="Seldon Core deployments the GitOps way.",
        epilog="Exit codes: 0 ok, 1 problems found (or drift, or stale output), "
               "2 usage error or could not tell. Run 'gitops-seldon COMMAND --help' for more.",
    )
    parser.add_argument("--version", action="version", version=f"gitops-seldon {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, summary in COMMANDS.items():
        if name != selected:
            # listed in the top-level help; its options are only built when chosen
            sub.add_parser(name, help=summary)
            continue
        command_parser = sub.add_parser(
            name, help=summary, parents=[common_options()], description=summary,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        load_command(name).add_arguments(command_parser)
    return parser


def _selected(argv: Sequence[str]) -> str | None:
    return next((a for a in argv if a in COMMANDS), None)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    selected = _selected(arguments)
    parser = build_parser(selected)
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exc:  # argparse: --help exits 0, bad usage exits 2
        return int(exc.code or 0)
    try:
        return load_command(args.command).run(args)
    except ProblemsFound as exc:
        report(exc.problems, args.format, sys.stdout)
        return EXIT_PROBLEMS
    except GitopsSeldonError as exc:
        print(f"gitops-seldon {args.command}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if getattr(args, "debug", False):
            import traceback

            traceback.print_exc()
        else:
            print(f"gitops-seldon {args.command}: internal error: {type(exc).__name__}; "
                  "run again with --debug for the traceback and report it", file=sys.stderr)
        return EXIT_ERROR
