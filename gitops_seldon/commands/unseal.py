"""gitops-seldon unseal --key PRIVATE_KEY FILE (recovery; prints plaintext)"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gitops_seldon.problems import GitopsSeldonError, ProblemsFound


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "WARNING: this prints the decrypted Secret (base64 data, not encryption) to stdout.\n"
        "It is meant for operators holding a backup of the controller's private key, e.g. to\n"
        "re-seal for a new certificate without cluster access. Do not redirect it into the\n"
        "repository.\n"
        "\n"
        "examples:\n"
        "  gitops-seldon unseal --key backup/sealed-secrets-key.yaml \\\n"
        "      credentials/sealed/prod/minio.yaml\n"
        "  gitops-seldon unseal --key old.key --key new.key deploy/overlays/dev/minio.yaml\n"
    )
    parser.add_argument("file", type=Path, metavar="FILE",
                        help="SealedSecret manifest (YAML or JSON; several documents allowed)")
    parser.add_argument("--key", action="append", type=Path, required=True, metavar="PATH",
                        help="controller private key: PEM (PKCS#1 or PKCS#8) or a YAML/JSON "
                             "backup of the key Secret(s); repeatable, every key is tried")


def run(args: argparse.Namespace) -> int:
    from gitops_seldon.sealing.keys import read_private_keys
    from gitops_seldon.sealing.sealedsecret import to_yaml
    from gitops_seldon.sealing.unseal import unseal
    from gitops_seldon.source import load_file

    keys = read_private_keys(list(args.key))
    documents, problems = load_file(args.file)
    if problems:
        raise ProblemsFound(problems)
    sealed = [d for d in documents
              if isinstance(d.data, dict) and d.data.get("kind") == "SealedSecret"]
    if not sealed:
        raise GitopsSeldonError(f"{args.file}: holds no SealedSecret")
    secrets = [unseal(d.data, keys) for d in sealed]
    for secret in secrets:
        sys.stdout.write(to_yaml(secret))
    return 0
