"""Benchmark: seal 1,000 values in-process, against one process per secret (the anchor).

    .venv/bin/python bench/seal.py [--values 1000] [--rounds 3] [--processes 20]

The anchor is what a kubeseal-per-secret workflow costs: one process start per secret.
``kubeseal`` itself is not installable here (no apt package; the PyPI packages named after
it are wrappers that need the Go binary), so the anchor spawns
``python -m gitops_seldon seal CREDENTIALS --env dev --from-env-file F`` once per secret, which
does the same work as one ``kubeseal`` run (read the certificate, seal, write a file) plus
a Python start-up. The anchor runs ``--processes`` times; its median per-process time is
multiplied up to ``--values`` secrets (1,000 real process starts would take minutes).

Three in-process figures, each the median of ``--rounds`` runs:
- values: ``seal_value`` x N with the certificate read once (the hybrid encryption only);
- command: N/2 calls of the ``seal`` command entry point, each sealing a two-key secret
  into its file (certificate read, schema checks, merge, atomic write), all in one process.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLE = PROJECT / "examples" / "ml-platform"


def make_repo(scratch: Path) -> Path:
    root = scratch / "repo"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("sealed", "deploy"))
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def env_file(scratch: Path, index: int) -> Path:
    path = scratch / f"values-{index}.env"
    path.write_text(f"RCLONE_CONFIG_S3_ACCESS_KEY_ID=BENCH-ID-{index}\n"
                    f"RCLONE_CONFIG_S3_SECRET_ACCESS_KEY=bench-secret-{index}\n")
    return path


def time_values(count: int) -> float:
    from gitops_seldon.sealing.certs import read_certificate
    from gitops_seldon.sealing.crypto import seal_value

    start = time.perf_counter()
    cert = read_certificate(EXAMPLE / "certs" / "dev.pem")
    for index in range(count):
        seal_value(cert.public_key, f"value-{index}".encode(), b"models-dev/minio")
    return time.perf_counter() - start


def time_commands(root: Path, files: list[Path]) -> float:
    from gitops_seldon.cli import main

    start = time.perf_counter()
    for path in files:
        with contextlib.redirect_stdout(io.StringIO()):
            code = main(["seal", "minio", "--repo", str(root), "--env", "dev",
                         "--from-env-file", str(path)])
        assert code == 0
    return time.perf_counter() - start


def time_process(root: Path, path: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "gitops_seldon", "seal", "minio", "--repo", str(root),
                    "--env", "dev", "--from-env-file", str(path)],
                   check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--values", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--processes", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        root = make_repo(scratch)
        secrets = max(1, args.values // 2)
        files = [env_file(scratch, i) for i in range(max(secrets, args.processes))]
        values = statistics.median(time_values(args.values) for _ in range(args.rounds))
        commands = statistics.median(time_commands(root, files[:secrets])
                                     for _ in range(args.rounds))
        per_process = statistics.median(time_process(root, files[i])
                                        for i in range(args.processes))
    anchor_values = per_process * args.values
    anchor_secrets = per_process * secrets
    print(f"seal, median of {args.rounds} rounds; anchor: median of {args.processes} processes")
    print(f"in-process, {args.values} values (seal_value):         {values:8.3f} s "
          f"({values / args.values * 1e3:.2f} ms/value)")
    print(f"in-process, {secrets} two-key secrets (seal command):  {commands:8.3f} s "
          f"({commands / secrets * 1e3:.2f} ms/secret)")
    print(f"anchor, one process per secret:                {per_process * 1e3:8.1f} ms/process")
    print(f"  x {args.values} values (one secret each):              {anchor_values:8.3f} s  "
          f"ratio in-process/anchor {values / anchor_values:.5f} "
          f"({anchor_values / values:,.0f}x faster)")
    print(f"  x {secrets} two-key secrets:                       {anchor_secrets:8.3f} s  "
          f"ratio in-process/anchor {commands / anchor_secrets:.5f} "
          f"({anchor_secrets / commands:,.0f}x faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
