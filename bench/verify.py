"""Benchmark: gitops-seldon verify against ``kubectl diff --server-side`` on the same
manifests and the same API server (the kmock-based emulator of tests/kube_emulator.py,
on 127.0.0.1), with 10 and 1,000 SeldonDeployments (plus 3 SealedSecrets and their
Secrets).

Counts the API requests each makes (verify's must not grow with the number of objects)
and the wall time; prints medians and ratios. Both run as subprocesses, so both pay
their start-up.

    .venv/bin/python bench/verify.py [--runs 5] [--kubectl-runs 3] [--sizes 10,1000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from kube_emulator import session_emulator, write_kubeconfig  # noqa: E402

NAMESPACE = "models"
LABELS = {"app.kubernetes.io/managed-by": "gitops-seldon", "gitops-seldon.dev/environment": "prod"}


def deployment(i: int) -> dict[str, Any]:
    name = f"model-{i:04d}"
    return {
        "apiVersion": "machinelearning.seldon.io/v1", "kind": "SeldonDeployment",
        "metadata": {"name": name, "namespace": NAMESPACE,
                     "labels": {**LABELS, "app.kubernetes.io/name": name},
                     "annotations": {"gitops-seldon.dev/source": f"models/{name}.yaml"}},
        "spec": {"protocol": "v2", "predictors": [{
            "name": "main", "replicas": 2,
            "componentSpecs": [{"spec": {"containers": [{
                "name": name,
                "env": [{"name": "LOG_LEVEL", "value": "INFO"}],
                "resources": {"requests": {"cpu": "500m", "memory": "1Gi"},
                              "limits": {"cpu": "1", "memory": "2Gi"}}}]}}],
            "graph": {"name": name, "type": "MODEL", "implementation": "SKLEARN_SERVER",
                      "modelUri": f"s3://models/{name}/v1", "envSecretRefName": "s3"},
        }]},
    }


def sealed_secret(i: int) -> dict[str, Any]:
    name = f"credentials-{i}"
    return {
        "apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": LABELS},
        "spec": {"encryptedData": {"RCLONE_CONFIG_S3_ACCESS_KEY_ID": "AgB" + "x" * 700,
                                   "RCLONE_CONFIG_S3_SECRET_ACCESS_KEY": "AgC" + "y" * 700},
                 "template": {"metadata": {"name": name, "namespace": NAMESPACE},
                              "data": {"RCLONE_CONFIG_S3_TYPE": "s3"}}},
    }


def in_process(manifests: Path, kubeconfig: Path, api: Any) -> tuple[float, int]:
    """The engine alone (no interpreter start-up): read, list, normalise, diff. It shares
    the interpreter (and the GIL) with the emulator, so this is an upper bound."""
    from gitops_seldon.verify.desired import environment_label, from_text
    from gitops_seldon.verify.engine import Target, verify_targets

    api.requests = 0
    start = time.perf_counter()
    desired = from_text(manifests.read_text(), str(manifests), None)
    [result] = verify_targets([Target("bench", desired, env_label=environment_label(desired),
                                      kubeconfig=str(kubeconfig))])
    elapsed = time.perf_counter() - start
    if not result.in_sync:
        raise SystemExit(f"in-process verify found drift or failed: {result.error}")
    return elapsed, api.requests


def timed(argv: list[str], env: dict[str, str], api: Any, ok: set[int]) -> tuple[float, int]:
    api.requests = 0
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode not in ok:
        raise SystemExit(f"{argv[0]} exited {result.returncode}: {result.stderr[-500:]}"
                         f"{result.stdout[-500:]}")
    return elapsed, api.requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--kubectl-runs", type=int, default=3)
    parser.add_argument("--sizes", default="10,1000")
    args = parser.parse_args()
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise SystemExit("kubectl is not on PATH")
    running = session_emulator()
    api = running.api
    verify = [str(ROOT / ".venv" / "bin" / "gitops-seldon")]
    if not Path(verify[0]).exists():
        verify = [sys.executable, "-m", "gitops_seldon"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        kubeconfig = write_kubeconfig(Path(tmp) / "kubeconfig", running.url)
        env = {**os.environ, "KUBECONFIG": str(kubeconfig), "NO_COLOR": "1",
               "HOME": tmp, "KUBECACHEDIR": str(Path(tmp) / "cache")}
        for size in (int(s) for s in args.sizes.split(",")):
            api.reset()
            objects = [sealed_secret(i) for i in range(3)] + [deployment(i) for i in range(size)]
            for obj in objects:
                api.put(obj)
                if obj["kind"] == "SealedSecret":
                    keys = [*obj["spec"]["encryptedData"], *obj["spec"]["template"]["data"]]
                    api.put({"apiVersion": "v1", "kind": "Secret",
                             "metadata": {"name": obj["metadata"]["name"],
                                          "namespace": NAMESPACE},
                             "data": dict.fromkeys(keys, "ZmFrZQ==")})
            manifests = Path(tmp) / f"manifests-{size}.yaml"
            manifests.write_text(yaml.safe_dump_all(objects, sort_keys=False))
            ours = [timed([*verify, "verify", "-f", str(manifests), "--repo", tmp], env, api, {0})
                    for _ in range(args.runs)]
            engine = [in_process(manifests, kubeconfig, api) for _ in range(args.runs)]
            theirs = [timed([kubectl, "diff", "--server-side", "--force-conflicts", "-f",
                             str(manifests)], env, api, {0})
                      for _ in range(args.kubectl_runs)]
            rows.append((size, ours, engine, theirs))
    print(f"{'objects':>8} {'tool':<34} {'median s':>9} {'requests':>9}")
    for size, ours, engine, theirs in rows:
        for tool, runs in (("gitops-seldon verify (process)", ours),
                           ("  of which engine, in-process", engine),
                           ("kubectl diff --server-side", theirs)):
            print(f"{size:>8} {tool:<34} {statistics.median(t for t, _ in runs):>9.3f} "
                  f"{statistics.median(n for _, n in runs):>9.0f}")
        ratio = statistics.median(t for t, _ in theirs) / statistics.median(t for t, _ in ours)
        requests = statistics.median(n for _, n in theirs) / statistics.median(n for _, n in ours)
        print(f"{size:>8} {'ratio kubectl / verify (process)':<34} {ratio:>8.1f}x "
              f"{requests:>8.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
