"""The pre-commit hooks, run by the real pre-commit framework against a temporary consumer
repository (the bundled example), installed from this project's git HEAD.

``pre-commit try-repo`` always installs into a fresh store in a temporary directory (it
ignores PRE_COMMIT_HOME), so it is used once, for the passing case with every hook; the
other cases run ``pre-commit run`` with the configuration try-repo writes (this project at
HEAD) and a PRE_COMMIT_HOME shared by the session: one more install in all.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import require
from gitrepo import commit_all, git, init
from ruamel.yaml import YAML

from gitops_seldon.cli import build_parser

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLE_REPO = PROJECT / "examples" / "ml-platform"
MANIFEST = PROJECT / ".pre-commit-hooks.yaml"
HOOKS = ("gitops-seldon-validate", "gitops-seldon-render", "gitops-seldon-no-plaintext-secrets")
PLAINTEXT = "c3VwZXItc2VjcmV0LXZhbHVl"


def manifest() -> dict[str, dict[str, object]]:
    return {hook["id"]: hook for hook in YAML(typ="safe").load(MANIFEST.read_text())}


# -- the manifest (no install) --------------------------------------------------------

def test_manifest_is_valid_for_pre_commit() -> None:
    from pre_commit.clientlib import load_manifest

    assert tuple(hook["id"] for hook in load_manifest(str(MANIFEST))) == HOOKS
    for hook in manifest().values():
        assert hook["language"] == "python"


@pytest.mark.parametrize("hook_id", HOOKS)
def test_hook_entries_are_real_command_lines(hook_id: str) -> None:
    entry = str(manifest()[hook_id]["entry"]).split()
    assert entry[0] == "gitops-seldon"
    argv = [*entry[1:], "models/iris.yaml"] if manifest()[hook_id].get(
        "pass_filenames", True) else entry[1:]
    try:
        args = build_parser(entry[1]).parse_args(argv)
    except SystemExit as exc:
        raise AssertionError(f"{hook_id}: {entry} does not parse") from exc
    if hook_id == "gitops-seldon-render":
        assert args.fail_on_change and manifest()[hook_id]["pass_filenames"] is False
    if hook_id == "gitops-seldon-no-plaintext-secrets":
        assert args.secrets_only


@pytest.mark.parametrize(("path", "validate", "render"), [
    ("models/iris.yaml", True, True),
    ("ml/models/iris.yml", True, True),
    ("gitops-seldon.yaml", True, True),
    ("credentials/minio.yaml", True, True),
    ("credentials/sealed/prod/minio.yaml", True, True),
    ("certs/prod.pem", False, True),
    ("deploy/overlays/prod/patches/iris.yaml", False, True),
    ("models/README.md", False, True),
    ("docs/models/iris.yaml.md", False, True),  # models/ of a repository in docs/
    ("docs/iris.md", False, False),
    ("src/app.py", False, False),
    ("k8s/secret.yaml", False, False),
])
def test_hook_file_patterns(path: str, validate: bool, render: bool) -> None:
    hooks = manifest()
    assert bool(re.search(str(hooks["gitops-seldon-validate"]["files"]), path)) is validate
    assert bool(re.search(str(hooks["gitops-seldon-render"]["files"]), path)) is render


# -- through pre-commit ---------------------------------------------------------------

@pytest.fixture(scope="session")
def project_rev() -> str:
    """This project's HEAD, which pre-commit clones and installs (commit before testing)."""
    result = subprocess.run(["git", "-C", str(PROJECT), "rev-parse", "HEAD"],
                            capture_output=True, text=True, check=False)
    require(result.returncode == 0, f"{PROJECT} is not a git checkout (pre-commit clones it)")
    rev = result.stdout.strip()
    committed = subprocess.run(["git", "-C", str(PROJECT), "cat-file", "-e",
                                f"{rev}:.pre-commit-hooks.yaml"], check=False)
    assert committed.returncode == 0, ".pre-commit-hooks.yaml is not committed at HEAD"
    return rev


def consumer_config(project_rev: str) -> dict[str, object]:
    """What ``pre-commit try-repo`` writes: this project at ``project_rev``, every hook."""
    return {"repos": [{"repo": str(PROJECT), "rev": project_rev,
                       "hooks": [{"id": hook} for hook in HOOKS]}]}


@pytest.fixture(scope="session")
def shared_store(tmp_path_factory: pytest.TempPathFactory, project_rev: str
                 ) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """A PRE_COMMIT_HOME for the session, whose hook venv starts installing at once in the
    background (``pre-commit install-hooks``), so it overlaps try-repo's own install."""
    home = tmp_path_factory.mktemp("pre-commit-home")
    warm = init(tmp_path_factory.mktemp("warm") / "repo")
    with (warm / ".pre-commit-config.yaml").open("w") as handle:
        YAML(typ="safe", pure=True).dump(consumer_config(project_rev), handle)
    # session fixtures start before conftest's per-test pinning: pin HOME here too
    environment = {**pre_commit_environment(home), "GIT_CONFIG_NOSYSTEM": "1",
                   "HOME": str(tmp_path_factory.mktemp("warm-home"))}
    process = subprocess.Popen([sys.executable, "-m", "pre_commit", "install-hooks"],
                               cwd=warm, env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    yield home, process
    process.kill()
    process.wait()


@pytest.fixture
def pre_commit_home(shared_store: tuple[Path, subprocess.Popen[str]]) -> Path:
    home, process = shared_store
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, f"installing the hooks failed:\n{output}"
    return home


@pytest.fixture(scope="session")
def head_package(tmp_path_factory: pytest.TempPathFactory, project_rev: str) -> Path:
    """This project's package as committed at ``project_rev`` (what the hooks run), so the
    consumer's output is rendered by the same code even while the work tree has edits."""
    where = tmp_path_factory.mktemp("head-package")
    archive = subprocess.run(["git", "-C", str(PROJECT), "archive", "--format=tar",
                              project_rev, "gitops_seldon"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive.stdout, check=True)
    return where


def head_cli(head_package: Path, *args: str) -> int:
    """``gitops-seldon <args>`` with the committed package (PYTHONPATH wins over the
    editable install's finder, which sits at the end of sys.meta_path)."""
    environment = {**os.environ, "PYTHONPATH": str(head_package)}
    return subprocess.run([sys.executable, "-m", "gitops_seldon", *args], env=environment,
                          capture_output=True, check=False).returncode


@pytest.fixture
def consumer(tmp_path: Path, project_rev: str, head_package: Path) -> Iterator[Path]:
    """A model repository using the hooks: the example, rendered and committed."""
    root = init(tmp_path / "consumer")
    shutil.copytree(EXAMPLE_REPO, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns(
        "deploy"))
    assert head_cli(head_package, "render", "--repo", str(root)) == 0
    with (root / ".pre-commit-config.yaml").open("w") as handle:
        YAML(typ="safe", pure=True).dump(consumer_config(project_rev), handle)
    commit_all(root, "models")
    yield root


def pre_commit_environment(home: Path | None) -> dict[str, str]:
    # PIP_NO_BUILD_ISOLATION=0 (pip's inverted spelling) builds the project with the
    # setuptools the hook venv is seeded with, instead of installing it again: a few
    # seconds less per install, same result.
    environment = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "NO_COLOR": "1",
                   "PIP_NO_BUILD_ISOLATION": "0"}
    if home is not None:
        environment["PRE_COMMIT_HOME"] = str(home)
    return environment


def pre_commit(cwd: Path, home: Path | None, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", *args, "--color", "never"],
                          cwd=cwd, env=pre_commit_environment(home), capture_output=True,
                          text=True, check=False, timeout=600)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_try_repo_a_good_change_passes_every_hook(
        consumer: Path, project_rev: str, head_package: Path,
        shared_store: tuple[Path, subprocess.Popen[str]]) -> None:
    """(``shared_store`` only so that its install runs while this one does.)"""
    iris = consumer / "models" / "iris.yaml"
    edit(iris, "replicas: 3", "replicas: 5")
    assert head_cli(head_package, "render", "--repo", str(consumer)) == 0  # the author did
    changed = git(consumer, "status", "--porcelain", "--untracked-files=all").split("\n")
    files = [line[3:] for line in changed if line]
    assert "models/iris.yaml" in files and any(f.startswith("deploy/") for f in files)
    result = pre_commit(consumer, None, "try-repo", str(PROJECT), "--ref", project_rev,
                        "--files", *files)
    assert result.returncode == 0, result.stdout + result.stderr
    for hook in ("gitops-seldon validate", "gitops-seldon render",
                 "gitops-seldon no plaintext Secrets"):
        assert re.search(rf"^{re.escape(hook)}\.+Passed$", result.stdout, re.MULTILINE), (
            result.stdout)


def test_a_bad_spec_fails_with_file_and_line(consumer: Path, pre_commit_home: Path) -> None:
    iris = consumer / "models" / "iris.yaml"
    edit(iris, "replicas: 3", "replicas: -3")
    result = pre_commit(consumer, pre_commit_home, "run", "gitops-seldon-validate",
                        "--files", "models/iris.yaml")
    assert result.returncode == 1, result.stdout + result.stderr
    line = next(n for n, text in enumerate(iris.read_text().splitlines(), 1)
                if "replicas: -3" in text)
    assert re.search(rf"^models/iris\.yaml:{line}:\d+: ", result.stdout, re.MULTILINE), (
        result.stdout)


def test_a_stale_render_fails_then_fixes_itself(consumer: Path, pre_commit_home: Path,
                                                head_package: Path) -> None:
    edit(consumer / "models" / "iris.yaml", "replicas: 3", "replicas: 6")
    first = pre_commit(consumer, pre_commit_home, "run", "gitops-seldon-render",
                       "--files", "models/iris.yaml")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    changed = git(consumer, "diff", "--name-only").split()
    assert "deploy/overlays/prod/patches/iris.yaml" in changed
    second = pre_commit(consumer, pre_commit_home, "run", "gitops-seldon-render",
                        "--files", "models/iris.yaml")
    assert second.returncode == 0, second.stdout + second.stderr
    assert head_cli(head_package, "render", "--repo", str(consumer), "--check") == 0


def test_a_plaintext_secret_fails(consumer: Path, pre_commit_home: Path) -> None:
    secret = consumer / "k8s" / "minio-secret.yaml"
    secret.parent.mkdir()
    secret.write_text("apiVersion: v1\nkind: Secret\nmetadata:\n  name: minio\n"
                      f"data:\n  RCLONE_CONFIG_S3_SECRET_ACCESS_KEY: {PLAINTEXT}\n")
    result = pre_commit(consumer, pre_commit_home, "run", "gitops-seldon-no-plaintext-secrets",
                        "--files", "k8s/minio-secret.yaml", "models/iris.yaml")
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"^k8s/minio-secret\.yaml:\d+:\d+: ", result.stdout, re.MULTILINE), (
        result.stdout)
    assert PLAINTEXT not in result.stdout + result.stderr
