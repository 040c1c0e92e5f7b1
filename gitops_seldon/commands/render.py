"""gitops-seldon render"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path

from gitops_seldon.problems import UsageError

_ENCRYPTED = re.compile(r"^(\s*)encryptedData:\s*$")
_KEY = re.compile(r"^(\s*)([^\s:#][^:]*):")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "examples:\n"
        "  gitops-seldon render                          # write deploy/ for every environment\n"
        "  gitops-seldon render --env staging            # base/ and overlays/staging only\n"
        "  gitops-seldon render --check                  # CI: exit 1 and a diff when stale\n"
        "  gitops-seldon render --stdout --env prod      # Argo CD config-management plugin\n"
        "  gitops-seldon render --fail-on-change         # pre-commit: write, exit 1 if changed\n"
        "  gitops-seldon render --commit                 # write and commit only the output\n"
        "\n"
        "Validation runs first; any error means nothing is written. The tree is swapped in\n"
        "atomically, unchanged files are not rewritten, and generated files whose source\n"
        "is gone are removed (files without the gitops-seldon header are never touched).\n"
    )
    parser.add_argument("--env", action="append", metavar="ENV", dest="envs",
                        help="render only this environment (repeatable; base/ is always "
                             "rendered)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="write nothing; print a unified diff and exit 1 when the output "
                           "is stale")
    mode.add_argument("--stdout", action="store_true",
                      help="print the final manifests of one --env as a multi-document "
                           "YAML stream instead of writing files")
    parser.add_argument("--output", metavar="DIR", type=Path,
                        help="output directory (default: the config's paths.output, under "
                             "the repository; a given DIR is relative to the current "
                             "directory)")
    parser.add_argument("--fail-on-change", action="store_true",
                        help="write, then exit 1 if any file changed (pre-commit formatter)")
    parser.add_argument("--commit", action="store_true",
                        help="commit the output paths (and nothing else) after writing")
    parser.add_argument("--allow-detached", action="store_true",
                        help="with --commit: commit even on a detached HEAD")


def redact(text: str) -> str:
    """Replace every encryptedData value by ``<sealed>`` (diffs never show ciphertext)."""
    out: list[str] = []
    block: int | None = None  # indent of the encryptedData key while inside its block
    key_indent: int | None = None
    for line in text.splitlines(keepends=True):
        indent = len(line) - len(line.lstrip())
        if block is not None and line.strip() and indent <= block:
            block = key_indent = None
        if block is not None:
            key = _KEY.match(line)
            if key and key_indent in (None, indent):
                key_indent = indent
                out.append(f"{key.group(1)}{key.group(2)}: <sealed>\n")
            continue  # continuation lines of a long value, or blank lines
        match = _ENCRYPTED.match(line)
        if match:
            block = len(match.group(1))
        out.append(line)
    return "".join(out)


def unified_diff(output: str, old: dict[str, bytes], new: dict[str, bytes],
                 paths: tuple[str, ...]) -> str:
    chunks: list[str] = []
    for relative in paths:
        before = redact(old[relative].decode("utf-8", "replace")) if relative in old else ""
        after = redact(new[relative].decode("utf-8", "replace")) if relative in new else ""
        name = f"{output}/{relative}"
        chunks.extend(difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True),
            fromfile=f"a/{name}" if relative in old else "/dev/null",
            tofile=f"b/{name}" if relative in new else "/dev/null"))
    return "".join(chunks)


def _stdout(args: argparse.Namespace) -> int:
    from gitops_seldon import emit
    from gitops_seldon.plan import plan_environment, planning_cache
    from gitops_seldon.problems import ProblemsFound
    from gitops_seldon.write import blocking_problems, check_environments, load

    if not args.envs or len(args.envs) != 1:
        raise UsageError("--stdout needs exactly one --env")
    repo = load(Path(args.repo))
    envs = check_environments(repo, args.envs)
    with planning_cache():
        problems = blocking_problems(repo, envs)
        if problems:
            raise ProblemsFound(problems)
        objects = plan_environment(repo, args.envs[0])
    sys.stdout.write(emit.dump_all(obj.obj for obj in objects))
    return 0


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def run(args: argparse.Namespace) -> int:
    if args.stdout:
        if args.commit or args.fail_on_change or args.output is not None:
            raise UsageError("--stdout writes nothing; it cannot be combined with --output, "
                             "--fail-on-change or --commit")
        return _stdout(args)
    if args.check and (args.commit or args.fail_on_change):
        raise UsageError("--check writes nothing; it cannot be combined with --commit or "
                         "--fail-on-change")
    if args.allow_detached and not args.commit:
        raise UsageError("--allow-detached only makes sense with --commit")
    from gitops_seldon.write import render

    root = Path(args.repo)
    output = args.output.absolute() if args.output is not None else None
    result = render(root, output, args.envs, check=args.check)
    changes = result.changes
    if result.warnings and args.format != "json":
        from gitops_seldon.report import report

        report(result.warnings, args.format, sys.stderr)
    if args.check:
        if not changes:
            print(f"{result.output} is up to date")
            return 0
        shown = args.output.as_posix() if args.output is not None else _relative(
            result.output, root)
        sys.stdout.write(unified_diff(shown, changes.old, result.tree.files, changes.paths))
        print(f"{result.output} is stale: {len(changes.paths)} file(s) would change; "
              "run gitops-seldon render", file=sys.stderr)
        return 1
    if changes:
        print(f"{result.output}: {len(changes.added)} added, {len(changes.modified)} changed, "
              f"{len(changes.removed)} removed", file=sys.stderr)
    else:
        print(f"{result.output}: up to date, nothing written", file=sys.stderr)
    if args.commit:
        from gitops_seldon.commit import commit_render

        sha = commit_render(root, result.output, result.changed, result.tree.digest,
                            allow_detached=args.allow_detached)
        if sha:
            print(f"committed {sha}", file=sys.stderr)
    if args.fail_on_change and changes:
        return 1
    return 0
