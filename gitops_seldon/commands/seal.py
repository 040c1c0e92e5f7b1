"""gitops-seldon seal CREDENTIALS --env E"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gitops_seldon.problems import GitopsSeldonError, ProblemsFound, UsageError
from gitops_seldon.report import report

if TYPE_CHECKING:
    from gitops_seldon.load import Repository
    from gitops_seldon.sealing.values import Value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Values are read from --from-env-file / --from-file when given; otherwise from\n"
        "environment variables named like the Secret keys; otherwise, on a terminal, from a\n"
        "prompt without echo. Only the schema's secret fields are sealed; keys already in\n"
        "the sealed file and not given keep their ciphertext (like kubeseal --merge-into).\n"
        "\n"
        "examples:\n"
        "  gitops-seldon seal model-store --env dev --from-env-file ~/secrets/dev.env\n"
        "  RCLONE_CONFIG_S3_ACCESS_KEY_ID=... RCLONE_CONFIG_S3_SECRET_ACCESS_KEY=... \\\n"
        "      gitops-seldon seal model-store --all-envs\n"
        "  gitops-seldon seal gcs --env prod \\\n"
        "      --from-file RCLONE_CONFIG_GS_SERVICE_ACCOUNT_CREDENTIALS=/tmp/sa.json\n"
        "  gitops-seldon seal --fetch-cert --env prod   # save the controller's certificate\n"
    )
    parser.add_argument("credentials", nargs="?", metavar="CREDENTIALS",
                        help="name of the Credentials (credentials/<name>.yaml)")
    parser.add_argument("--env", action="append", default=[], metavar="E",
                        help="environment to seal for (repeatable)")
    parser.add_argument("--all-envs", action="store_true",
                        help="seal for every environment in gitops-seldon.yaml")
    parser.add_argument("--from-env-file", type=Path, metavar="PATH",
                        help="KEY=VALUE file with the values; refused inside the repository "
                             "unless git ignores it")
    parser.add_argument("--from-file", action="append", default=[], metavar="KEY=PATH",
                        help="take one key's value from a whole file (repeatable)")
    parser.add_argument("--replace", action="store_true",
                        help="write a fresh file: drop sealed keys that are not given")
    parser.add_argument("--fetch-cert", action="store_true",
                        help="first fetch each environment's certificate from its cluster's "
                             "sealed-secrets controller and save it at sealedSecretsCert")


def _values(args: argparse.Namespace, root: Path, keys: list[str]) -> dict[str, Value]:
    from gitops_seldon.sealing.values import (
        from_environment,
        from_prompt,
        read_env_file,
        read_value_file,
    )

    values: dict[str, Value] = {}
    if args.from_env_file is not None:
        found, problems = read_env_file(args.from_env_file, root)
        if problems:
            raise ProblemsFound(problems)
        values.update(found)
    for item in args.from_file:
        key, sep, path = item.partition("=")
        if not sep or not key or not path:
            raise UsageError(f"--from-file wants KEY=PATH, got {key or '?'!r}...")
        values[key] = read_value_file(key, Path(path), root)
    if args.from_env_file is None and not args.from_file:
        values.update(from_environment(keys, os.environ))
        if not values and sys.stdin.isatty():
            print("Enter the secret values (input is not shown).", file=sys.stderr)
            values.update(from_prompt(keys, getpass.getpass))
    return values


def _fetch(repo: Repository, envs: list[str]) -> None:
    from gitops_seldon.sealing.fetch import fetch_and_save

    for env in envs:
        saved = fetch_and_save(repo, env)
        print(f"saved the {env} controller certificate ({saved.fingerprint}) to "
              f"{saved.source}")


def run(args: argparse.Namespace) -> int:
    from gitops_seldon.load import load_repository
    from gitops_seldon.sealing.rules import secret_keys
    from gitops_seldon.sealing.seal import seal

    if not args.env and not args.all_envs:
        raise UsageError("give --env E (repeatable) or --all-envs")
    if args.env and args.all_envs:
        raise UsageError("--env and --all-envs exclude each other")
    if args.credentials is None and not args.fetch_cert:
        raise UsageError("name the CREDENTIALS to seal")
    root = Path(args.repo)
    loaded = load_repository(root, model_files=[])  # seal needs no Models
    if isinstance(loaded, tuple):
        raise ProblemsFound(loaded[1])
    repo = loaded
    envs = list(repo.environments) if args.all_envs else list(dict.fromkeys(args.env))
    unknown = [e for e in envs if e not in repo.environments]
    if unknown:
        raise UsageError(f"unknown environment {unknown[0]!r} "
                         f"(environments: {', '.join(repo.environments) or 'none'})")
    if args.fetch_cert:
        _fetch(repo, envs)
        if args.credentials is None:
            return 0
    credentials = repo.credential(args.credentials)
    if credentials is None:
        own = [p for p in repo.problems if Path(p.path).stem == args.credentials]
        if own:
            raise ProblemsFound(own)
        names = ", ".join(c.value.metadata.name for c in repo.credentials) or "none"
        raise GitopsSeldonError(f"no Credentials named {args.credentials!r} "
                                f"(credentials: {names})")
    values = _values(args, root, list(secret_keys(credentials.value)))
    plans, warnings = seal(repo, credentials, envs, values, replace=args.replace)
    if warnings:
        report(warnings, args.format, sys.stderr)
    for plan in plans:
        kept = f"; kept {', '.join(plan.kept)}" if plan.kept else ""
        print(f"{plan.env}: sealed {', '.join(plan.sealed)} -> {plan.relpath}{kept}")
    return 0
