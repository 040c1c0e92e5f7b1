"""gitops-seldon verify [--env E] [-f MANIFESTS]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gitops_seldon.problems import GitopsSeldonError, UsageError, has_errors
from gitops_seldon.verify.desired import Desired, environment_label, from_plan, from_text
from gitops_seldon.verify.engine import Target, exit_code, verify_targets
from gitops_seldon.verify.report import write

DEFAULT_TIMEOUT = 30.0
CONFIG_FILE = "gitops-seldon.yaml"  # as gitops_seldon.load names it


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Compares what git says with the live cluster: missing, changed (field by field)\n"
        "and orphaned objects, plus health. Exit codes: 0 in sync, 1 drift (or unhealthy\n"
        "with --require-healthy), 2 could not tell (API error, missing CRD, forbidden,\n"
        "timeout).\n\n"
        "examples:\n"
        "  gitops-seldon verify                          # every environment, concurrently\n"
        "  gitops-seldon verify --env prod --format json\n"
        "  kubectl kustomize deploy/overlays/prod | gitops-seldon verify -f - --context prod\n"
        "  gitops-seldon verify --env prod --server-side # API server normalises (patch RBAC)\n"
    )
    parser.add_argument("--env", action="append", default=[], metavar="ENV",
                        help="environment to verify (repeatable; default: all in the config)")
    parser.add_argument("-f", "--filename", action="append", default=[], metavar="FILE",
                        help="desired state from manifests instead of the repository "
                             "('-' reads stdin; repeatable)")
    parser.add_argument("-n", "--namespace", metavar="NS",
                        help="namespace for -f manifests that carry none")
    parser.add_argument("--kubeconfig", metavar="PATH",
                        help="kubeconfig file (default: KUBECONFIG, then ~/.kube/config, "
                             "then in-cluster config)")
    parser.add_argument("--context", metavar="NAME",
                        help="kubeconfig context for every environment (default: each "
                             "environment's kubeContext, else the current context)")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="per-request timeout (default: verify.timeoutSeconds, 30)")
    parser.add_argument("--ignore", action="append", default=[], metavar="POINTER",
                        help="JSON pointer never reported as drift (adds to verify.ignore; "
                             "'*' matches any key or index)")
    parser.add_argument("--server-side", action="store_true",
                        help="compare against a server-side dry-run apply of each object "
                             "(falls back to local comparison where RBAC forbids it)")
    parser.add_argument("--require-healthy", action="store_true",
                        help="exit 1 when an object is unhealthy (default: report health only)")
    parser.add_argument("--no-diff", action="store_true",
                        help="list changed fields without the unified YAML diff")


def _read_manifests(paths: list[str], namespace: str | None) -> Desired:
    texts = []
    for name in paths:
        if name == "-":
            texts.append(("<stdin>", sys.stdin.read()))
            continue
        path = Path(name)
        if not path.is_file():
            raise UsageError(f"{name}: no such file")
        try:
            texts.append((name, path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{name}: cannot read: {type(exc).__name__}") from None
    parts = [from_text(text, display, namespace) for display, text in texts]
    objects = tuple(o for part in parts for o in part.objects)
    seen = set()
    for item in objects:
        if item.ref in seen:
            raise UsageError(f"{item.ref} appears in more than one manifest")
        seen.add(item.ref)
    return Desired(objects, tuple(note for part in parts for note in part.skipped))


def _load_repository(root: Path, required: bool):  # type: ignore[no-untyped-def]
    if not required and not (root / CONFIG_FILE).is_file():
        return None  # -f without a repository: no need to load the spec models
    from gitops_seldon.load import load_repository
    loaded = load_repository(root)
    if isinstance(loaded, tuple):
        problems = loaded[1]
        raise GitopsSeldonError(f"cannot read the repository: {problems[0]}" if problems
                                else "cannot read the repository")
    if has_errors(loaded.problems):
        first = sorted(loaded.problems)[0]
        raise GitopsSeldonError(f"the repository has {len(loaded.problems)} problem(s), "
                                f"first {first}; run gitops-seldon validate")
    return loaded


def _validation_error(root: Path) -> str | None:
    from gitops_seldon.validate import validate_repository

    problems = [p for p in validate_repository(root) if p.level.value == "error"]
    if not problems:
        return None
    return (f"the repository has {len(problems)} problem(s), first {sorted(problems)[0]}; "
            "run gitops-seldon validate")


def build_targets(args: argparse.Namespace) -> list[Target]:
    root = Path(args.repo)
    repo = _load_repository(root, required=not args.filename)
    settings = repo.config.value.spec.verify if repo is not None else None
    timeout = args.timeout or (settings.timeoutSeconds if settings else DEFAULT_TIMEOUT)
    if timeout <= 0:
        raise UsageError("--timeout must be positive")
    ignore = tuple(settings.ignore if settings else ()) + tuple(args.ignore)
    for pointer in ignore:
        if not pointer.startswith("/"):
            raise UsageError(f"ignore rule {pointer!r} is not a JSON pointer (starts with '/')")
    environments = repo.config.value.spec.environments if repo is not None else {}
    for env in args.env:
        if env not in environments:
            known = ", ".join(sorted(environments)) or "none"
            raise UsageError(f"unknown environment {env!r} (the config has: {known})")
    common = {"kubeconfig": args.kubeconfig, "timeout": timeout, "ignore": ignore}

    if args.filename:
        if len(args.env) > 1:
            raise UsageError("-f compares one set of manifests: give at most one --env")
        env = args.env[0] if args.env else None
        environment = environments[env] if env else None
        namespace = args.namespace or (environment.namespace if environment else None)
        desired = _read_manifests(args.filename, namespace)
        label = env or environment_label(desired)
        return [Target(label or "manifests", desired,
                       namespace=environment.namespace if environment else None,
                       env_label=label,
                       context=args.context or (environment.kubeContext if environment else None),
                       **common)]

    assert repo is not None
    targets = []
    for env in sorted(set(args.env)) if args.env else list(repo.environments):
        environment = environments[env]
        context = args.context or environment.kubeContext
        planned: Desired | None = None
        error = None
        try:
            planned = from_plan(repo, env)
        except GitopsSeldonError as exc:
            error = f"cannot plan {env}: {exc}"
        except Exception:
            # The plan assumes valid input; explain with validate's problems if there are.
            explained = _validation_error(root)
            if explained is None:
                raise
            raise GitopsSeldonError(explained) from None
        targets.append(Target(env, planned, namespace=environment.namespace, env_label=env,
                              context=context, error=error, **common))
    return targets


def run(args: argparse.Namespace) -> int:
    targets = build_targets(args)
    results = verify_targets(targets, server_side=args.server_side)
    write(results, args.format, sys.stdout, require_healthy=args.require_healthy,
          show_diff=not args.no_diff)
    return exit_code(results, require_healthy=args.require_healthy)
