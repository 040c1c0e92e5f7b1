"""gitops-seldon status [--env E]: what git says is deployed where, and the prediction URLs."""

from __future__ import annotations

import argparse
import json
import sys

from gitops_seldon.api import Deployment, RepositoryInfo, load_repository
from gitops_seldon.problems import UsageError, has_errors
from gitops_seldon.promotion import PromotionError
from gitops_seldon.report import report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Reads the spec files only (no cluster): each Model per environment with its\n"
        "implementation, replicas, the modelUri of the main, canary and shadow\n"
        "predictors, and the prediction URL the environment's baseUrl gives.\n"
        "'gitops-seldon verify' compares this with the live cluster.\n"
        "\n"
        "examples:\n"
        "  gitops-seldon status\n"
        "  gitops-seldon status --env prod --format json\n"
        "  gitops-seldon status --ref origin/main        # what the cluster syncs from\n"
    )
    parser.add_argument("--env", metavar="ENV", help="only this environment")
    parser.add_argument("--ref", metavar="REV",
                        help="read the specs as this git revision has them (a branch, tag "
                             "or sha) instead of the working tree")


def run(args: argparse.Namespace) -> int:
    try:
        info = load_repository(args.repo, ref=args.ref)
    except PromotionError as error:
        if error.problems:
            report(error.problems, "text" if args.format == "json" else args.format, sys.stderr)
        raise UsageError(str(error)) from None
    if args.env is not None and info.environment(args.env) is None:
        known = ", ".join(e.name for e in info.environments) or "none"
        raise UsageError(f"unknown environment {args.env!r} (environments: {known})")
    if args.format == "json":
        json.dump(as_json(info, args.env), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(as_text(info, args.env))
    if info.problems:
        report(info.problems, "text" if args.format == "json" else args.format, sys.stderr)
    return 1 if has_errors(info.problems) else 0


def as_json(info: RepositoryInfo, env: str | None) -> dict[str, object]:
    environments = [e for e in info.environments if env in (None, e.name)]
    return {
        "environments": [
            {"name": e.name, "namespace": e.namespace, "baseUrl": e.base_url,
             "kubeContext": e.kube_context} for e in environments],
        "deployments": [d.to_json() for d in info.deployments(env)],
        "notDeployed": [
            {"model": m.name, "env": e} for m in info.models for e in m.disabled_in
            if env in (None, e)],
        "problems": [
            {"file": p.path, "line": p.line, "col": p.col, "rule": p.rule,
             "level": p.level.value, "message": p.message} for p in info.problems],
    }


def _replicas(deployment: Deployment) -> str:
    if deployment.autoscaling is not None:
        low, high = deployment.autoscaling
        return f"hpa {low}-{high}"
    replicas = deployment.main.replicas
    return "replicas default" if replicas is None else f"replicas {replicas}"


def as_text(info: RepositoryInfo, env: str | None) -> str:
    lines: list[str] = []
    for environment in info.environments:
        if env not in (None, environment.name):
            continue
        deployments = info.deployments(environment.name)
        lines.append(f"{environment.name} (namespace {environment.namespace}): "
                     f"{len(deployments)} model(s)")
        for d in deployments:
            lines.append(f"  {d.model}  {d.implementation}  {d.protocol}  {_replicas(d)}")
            main = d.main.model_uri or "-"
            if d.main.image:
                main += f"  image {d.main.image}"
            share = f"  {d.main.traffic}%" if d.canary is not None else ""
            lines.append(f"    main    {main}{share}")
            if d.canary is not None:
                canary = d.canary.model_uri or "-"
                if d.canary.image and d.canary.image != d.main.image:
                    canary += f"  image {d.canary.image}"
                lines.append(f"    canary  {canary}  {d.canary.traffic}%")
            if d.shadow is not None:
                mirrored = "all" if not d.shadow.traffic else f"{d.shadow.traffic}%"
                lines.append(f"    shadow  {d.shadow.model_uri or '-'}  mirrors {mirrored}")
            if d.prediction_url:
                lines.append(f"    url     {d.prediction_url}")
        skipped = [m.name for m in info.models if environment.name in m.disabled_in]
        if skipped:
            lines.append(f"  not deployed here: {', '.join(skipped)}")
    return "\n".join(lines) + ("\n" if lines else "")
