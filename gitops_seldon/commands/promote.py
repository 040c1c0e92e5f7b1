"""gitops-seldon promote MODEL --model-uri URI [--env E] [--canary P] [--commit] ..."""

from __future__ import annotations

import argparse
import json
import sys

from gitops_seldon.api import PromotionResult, promote
from gitops_seldon.promotion import PromotionError
from gitops_seldon.report import report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Edits models/MODEL.yaml as a person would (comments, order and quoting kept),\n"
        "validates, re-renders, and with --commit commits spec and output together.\n"
        "A promotion that fails changes no file and exits 1 with the reason.\n"
        "\n"
        "examples:\n"
        "  gitops-seldon promote iris --model-uri s3://models/iris/v5 --env prod --commit\n"
        "  gitops-seldon promote iris --model-uri s3://models/iris/v5 --env prod --canary 10\n"
        "  gitops-seldon promote iris --env prod --canary 50         # ramp the canary up\n"
        "  gitops-seldon promote iris --env prod --promote-canary --branch promote/iris-v5\n"
        "  gitops-seldon promote wine --create --implementation SKLEARN_SERVER \\\n"
        "      --model-uri s3://models/wine/1 --credentials minio --env dev --commit\n"
        "\n"
        "The same from a pipeline step: gitops_seldon.promote(repo, 'iris', model_uri=...)"
    )
    parser.add_argument("model", metavar="MODEL", help="name of the Model (models/MODEL.yaml)")
    parser.add_argument("--model-uri", metavar="URI",
                        help="new modelUri (with --canary: the canary's modelUri)")
    parser.add_argument("--env", metavar="ENV",
                        help="change this environment's overrides (default: the base spec)")
    parser.add_argument("--image", metavar="IMAGE",
                        help="new container image (with --canary: the canary's image)")
    parser.add_argument("--replicas", type=int, metavar="N", help="replicas of the main predictor")
    parser.add_argument("--canary", type=int, metavar="PERCENT",
                        help="serve the new --model-uri as a canary with PERCENT of the traffic "
                             "(1-99); alone: change the existing canary's traffic")
    parser.add_argument("--promote-canary", action="store_true",
                        help="make the canary's modelUri/image the main one and drop the canary")
    parser.add_argument("--create", action="store_true",
                        help="add the Model if it does not exist (needs --implementation); "
                             "with --env it is deployed only in that environment")
    parser.add_argument("--implementation", metavar="SERVER",
                        help="server of a new Model: SKLEARN_SERVER, XGBOOST_SERVER, ... or "
                             "custom (with --image)")
    parser.add_argument("--credentials", metavar="NAME",
                        help="Credentials of a new Model (with --create)")
    parser.add_argument("--commit", action="store_true",
                        help="commit the spec file and the rendered output together")
    parser.add_argument("--branch", metavar="NAME",
                        help="commit on a new branch NAME (from HEAD) for a pull request; the "
                             "current branch and working tree stay as they are")


def run(args: argparse.Namespace) -> int:
    try:
        result = promote(
            args.repo, args.model, model_uri=args.model_uri, env=args.env, image=args.image,
            replicas=args.replicas, canary=args.canary, promote_canary=args.promote_canary,
            commit=args.commit or args.branch is not None, branch=args.branch,
            create=args.create, implementation=args.implementation,
            credentials=args.credentials)
    except PromotionError as error:
        if error.problems:
            report(error.problems, args.format, sys.stdout)
        if args.format == "json" and not error.problems:
            json.dump({"error": str(error)}, sys.stdout)
            sys.stdout.write("\n")
        print(f"gitops-seldon promote: {error}", file=sys.stderr)
        return 1
    if args.format == "json":
        json.dump(result.to_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(describe(result))
    return 0


def describe(result: PromotionResult) -> str:
    """The result for people: what changed, what was written and committed, the URL."""
    if not result.changed:
        return f"{result.spec_file}: already as asked; nothing changed\n"
    lines = [f"{result.spec_file}{' (new)' if result.created else ''}:"]
    lines += [f"  {change}" for change in result.changes]
    rendered = [f for f in result.files if f != result.spec_file]
    if rendered:
        lines.append(f"rendered {len(rendered)} file(s):")
        lines += [f"  {f}" for f in rendered]
    if result.commit:
        where = f" on new branch {result.branch}" if result.branch else ""
        lines.append(f"committed {result.commit[:12]}{where}")
    for env, url in sorted(result.prediction_urls.items()):
        if result.env in (None, env):
            lines.append(f"prediction URL ({env}): {url}")
    return "\n".join(lines) + "\n"
