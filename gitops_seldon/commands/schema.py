"""gitops-seldon schema import (CRD.yaml | --from-cluster)"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gitops_seldon.problems import GitopsSeldonError, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Converts the SeldonDeployment CRD's openAPIV3Schema into JSON Schema files\n"
        "<paths.schemas>/seldondeployment.<version>.json in the repository; from then on\n"
        "validate checks SeldonDeployments against it instead of the built-in schema.\n\n"
        "examples:\n"
        "  gitops-seldon schema import seldondeployment-crd.yaml\n"
        "  gitops-seldon schema import --from-cluster --context prod\n"
    )
    parser.add_argument("action", choices=["import"], help="what to do (only 'import')")
    parser.add_argument("crd", nargs="?", type=Path, metavar="CRD",
                        help="CRD file (YAML or JSON), e.g. from 'kubectl get crd "
                             "seldondeployments.machinelearning.seldon.io -o yaml'")
    parser.add_argument("--from-cluster", action="store_true",
                        help="read the installed CRD through the Kubernetes API instead")
    parser.add_argument("--context", help="kubeconfig context (with --from-cluster)")
    parser.add_argument("--kubeconfig", help="kubeconfig file (with --from-cluster)")
    parser.add_argument("--lenient", action="store_true",
                        help="leave objects open to unknown fields (default: strict, as "
                             "kubectl --validate=strict)")


def _schemas_dir(root: Path) -> str:
    from gitops_seldon.load import CONFIG_FILE, load_config

    if not (root / CONFIG_FILE).is_file():
        return "schemas"
    loaded, problems = load_config(root)
    if loaded is None:
        first = problems[0] if problems else None
        raise GitopsSeldonError(f"cannot read {CONFIG_FILE}: {first}")
    return loaded.value.spec.paths.schemas


def run(args: argparse.Namespace) -> int:
    from gitops_seldon import crd_schema

    if args.from_cluster == (args.crd is not None):
        raise UsageError("give either a CRD file or --from-cluster")
    if not args.from_cluster and (args.context or args.kubeconfig):
        raise UsageError("--context and --kubeconfig go with --from-cluster")
    root = Path(args.repo)
    schemas_dir = _schemas_dir(root)
    if args.from_cluster:
        crd = crd_schema.read_cluster_crd(kubeconfig=args.kubeconfig, context=args.context)
    else:
        if not args.crd.is_file():
            raise UsageError(f"{args.crd}: no such file")
        crd = crd_schema.read_crd(args.crd)
    schemas = crd_schema.crd_versions(crd, strict=not args.lenient)
    for path in crd_schema.write_schemas(root, schemas_dir, schemas):
        print(f"wrote {path}", file=sys.stdout)
    return 0
