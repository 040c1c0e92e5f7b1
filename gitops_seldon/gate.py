"""The pull-request gate behind ``gitops-seldon check``: validate, render --check, and what
changes in which environment compared with a base revision.

The base revision's specs are read from git (``git archive`` of the repository's
directory at that revision) into a temporary directory and planned exactly like the
working tree, so the summary compares desired objects, not spec text.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gitops_seldon.load import CONFIG_FILE, Repository, load_repository
from gitops_seldon.problems import Problem, has_errors
from gitops_seldon.summary import EnvironmentChanges, Planned, summarise, to_markdown
from gitops_seldon.vcs import GitError

Plans = Mapping[str, Sequence[Planned]]


@dataclass(frozen=True)
class Base:
    """The revision the working tree is compared with."""

    requested: str
    sha: str
    merge_base: bool

    @property
    def label(self) -> str:
        short = self.sha[:12]
        if self.requested in (self.sha, short):
            return f"`{short}`"
        via = "merge base with " if self.merge_base else ""
        return f"{via}`{self.requested}` (`{short}`)"


@dataclass(frozen=True)
class CheckResult:
    problems: list[Problem]
    stale: list[str] | None
    """Output files render would add, change or remove; None when it could not be told
    (the specs have errors)."""
    base: Base | None
    environments: list[EnvironmentChanges] | None
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return has_errors(self.problems) or bool(self.stale)

    def markdown(self) -> str:
        errors = sum(1 for p in self.problems if p.level.value == "error")
        warnings = len(self.problems) - errors
        lines = ["## gitops-seldon check", ""]
        if errors or warnings:
            lines.append(f"- Validate: {errors} error(s), {warnings} warning(s)")
        else:
            lines.append("- Validate: no problems")
        if self.stale is None:
            lines.append("- Render: not checked (fix the problems first)")
        elif self.stale:
            lines.append(f"- Render: output is stale, {len(self.stale)} file(s) differ; run "
                         "`gitops-seldon render` and commit the result")
        else:
            lines.append("- Render: committed output is up to date")
        lines += [f"- {note}" for note in self.notes]
        lines.append("")
        if self.environments is not None and self.base is not None:
            lines.append(to_markdown(self.environments, self.base.label))
        return "\n".join(lines).rstrip("\n") + "\n"


def default_base() -> str:
    """``origin/<target branch>`` in a GitHub pull request, otherwise ``HEAD`` (the summary
    then shows what the uncommitted changes do)."""
    target = os.environ.get("GITHUB_BASE_REF")
    return f"origin/{target}" if target else "HEAD"


def run_check(root: Path, base: str | None = None) -> CheckResult:
    from gitops_seldon.validate import validate_repository

    problems = validate_repository(root)
    notes: list[str] = []
    loaded = load_repository(root)
    if isinstance(loaded, tuple) or has_errors(problems):
        return CheckResult(problems, None, None, None,
                           ["Summary: not computed (fix the problems first)"])
    head = _plan(loaded)
    stale = stale_output(loaded, head)
    try:
        resolved = resolve_base(root, base or default_base())
    except GitError as exc:
        if base is not None:
            raise
        # no base asked for, and none to be had (not in git, or no commit yet)
        notes.append(f"Summary: not computed ({exc})")
        return CheckResult(problems, stale, None, None, notes)
    base_plans, note = plan_revision(root, resolved.sha)
    if note:
        notes.append(note)
    return CheckResult(problems, stale, resolved, summarise(base_plans, head), notes)


def stale_output(repo: Repository, plan: Mapping[str, Sequence[Planned]]) -> list[str]:
    """What ``render --check`` would report: output paths (relative to the output
    directory) that render would add, change or remove."""
    from gitops_seldon import fsio, write

    output = repo.root / repo.config.value.spec.paths.output
    tree = write.build_tree(repo, plan, all_envs=True)  # type: ignore[arg-type]
    changes = fsio.plan_changes(output, tree.files, tree.in_scope, write.is_generated)
    return list(changes.paths)


def _plan(repo: Repository) -> dict[str, list[Planned]]:
    from gitops_seldon.plan import plan_repository

    return dict(plan_repository(repo))  # type: ignore[arg-type]


def resolve_base(root: Path, requested: str) -> Base:
    """``requested`` as a commit; for a branch other than HEAD, its merge base with HEAD
    (what a pull request changes, as GitHub's "Files changed" shows it)."""
    from gitops_seldon.vcs import open_repository

    with open_repository(root) as repository:
        sha = repository.resolve(requested)
        if requested != "HEAD":
            head = repository.resolve("HEAD")
            merge_base = repository.merge_base(sha, head)
            if merge_base is not None and merge_base != sha:
                return Base(requested, merge_base, True)
        return Base(requested, sha, False)


def plan_revision(root: Path, sha: str) -> tuple[dict[str, list[Planned]], str | None]:
    """The plan of the repository at ``root`` as it was at ``sha``. An empty plan (every
    object then shows as added) when the repository did not exist there or cannot be
    planned, with a note saying why."""
    from gitops_seldon.vcs import open_repository

    with open_repository(root) as repository, tempfile.TemporaryDirectory(
            prefix="gitops-seldon-base-") as temporary:
        destination = Path(temporary)
        prefix = repository.relative(root)
        if not repository.extract(sha, prefix, destination) or not (
                destination / CONFIG_FILE).is_file():
            return {}, f"Base: no {CONFIG_FILE} at `{sha[:12]}`; every object is new"
        loaded = load_repository(destination)
        if isinstance(loaded, tuple):
            return {}, f"Base: {CONFIG_FILE} at `{sha[:12]}` cannot be read; every object is new"
        try:
            return _plan(loaded), None
        except Exception as exc:  # the base may be broken in ways the head no longer is
            return {}, (f"Base: `{sha[:12]}` cannot be planned ({type(exc).__name__}); "
                        "every object is new")
