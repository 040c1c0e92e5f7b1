"""validate(paths, root): which files are checked, as what, and how they are named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_seldon.cli import main
from gitops_seldon.problems import UsageError
from gitops_seldon.validate import (
    check_secrets,
    expand,
    find_repository_root,
    validate,
    validate_repository,
)

CONFIG = """\
apiVersion: gitops-seldon.dev/v1alpha1
kind: Config
spec:
  environments:
    dev:
      namespace: models-dev
"""


def model(name: str, body: str) -> str:
    return (f"apiVersion: gitops-seldon.dev/v1alpha1\nkind: Model\nmetadata:\n  name: {name}\n"
            f"spec:\n{body}")


GOOD = "  implementation: SKLEARN_SERVER\n  modelUri: gs://seldon-models/sklearn/iris\n"
NEEDS_CREDENTIALS = "  implementation: SKLEARN_SERVER\n  modelUri: s3://models/x\n"
TYPO = GOOD + "  replica: 2\n"


def make_repo(root: Path, models: dict[str, str]) -> Path:
    (root / "models").mkdir(parents=True)
    (root / "gitops-seldon.yaml").write_text(CONFIG)
    for name, body in models.items():
        (root / "models" / f"{name}.yaml").write_text(model(name, body))
    return root


def rules(problems: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(p.path, p.rule) for p in problems]


def test_no_paths_means_the_whole_repository(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"a": TYPO, "b": NEEDS_CREDENTIALS})
    assert validate([], repo) == validate_repository(repo)
    assert rules(validate([], repo)) == [("models/a.yaml", "model"),
                                        ("models/b.yaml", "credentials-required")]


def test_one_file_reports_only_that_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_repo(tmp_path, {"a": TYPO, "b": NEEDS_CREDENTIALS})
    monkeypatch.chdir(tmp_path)
    assert rules(validate([Path("models/b.yaml")], Path("."))) == [
        ("models/b.yaml", "credentials-required")]


def test_files_are_named_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "platform", {"b": NEEDS_CREDENTIALS})
    monkeypatch.chdir(tmp_path)
    assert rules(validate([Path("platform/models/b.yaml")], Path("."))) == [
        ("platform/models/b.yaml", "credentials-required")]
    assert rules(validate([Path("./platform/models")], Path("."))) == [
        ("platform/models/b.yaml", "credentials-required")]
    absolute = repo / "models" / "b.yaml"
    assert rules(validate([absolute], Path("."))) == [(absolute.as_posix(), "credentials-required")]
    monkeypatch.chdir(repo / "models")
    assert rules(validate([Path("b.yaml")], Path("."))) == [("b.yaml", "credentials-required")]


def test_repository_is_found_upwards(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a": GOOD})
    assert find_repository_root(repo / "models" / "a.yaml") == repo
    assert find_repository_root(repo / "models") == repo
    assert find_repository_root(tmp_path) is None


def test_missing_path_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(UsageError, match=r"nope\.yaml"):
        validate([tmp_path / "nope.yaml"], tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "nope.yaml"]) == 2
    captured = capsys.readouterr()
    assert "no such file or directory: nope.yaml" in captured.err
    assert captured.out == ""


def test_directories_are_walked_for_manifests_only(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yml", "c.json", "notes.txt", ".hidden.yaml",
                 ".git/config.yaml", "node_modules/x.yaml", "sub/d.yaml"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}\n")
    found = [t.path.relative_to(tmp_path).as_posix() for t in expand([tmp_path])]
    assert found == ["a.yaml", "b.yml", "c.json", "sub/d.yaml"]
    assert len(expand([tmp_path, tmp_path / "a.yaml"])) == 4  # given twice, checked once


def test_problems_of_all_files_are_sorted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_repo(tmp_path / "repo", {"z": TYPO, "a": NEEDS_CREDENTIALS})
    (tmp_path / "loose").mkdir()
    (tmp_path / "loose" / "bad.yaml").write_text("a: [\n")
    (tmp_path / "loose" / "dup.yaml").write_text("a: 1\na: 2\n")
    monkeypatch.chdir(tmp_path)
    problems = validate([Path("repo"), Path("loose")], Path("."))
    assert rules(problems) == [("loose/bad.yaml", "yaml-syntax"),
                               ("loose/dup.yaml", "duplicate-key"),
                               ("repo/models/a.yaml", "credentials-required"),
                               ("repo/models/z.yaml", "model")]
    assert problems == sorted(problems)


def test_roles_follow_the_configured_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "gitops-seldon.yaml").write_text(
        CONFIG.replace("spec:\n", "spec:\n  paths:\n    models: specs\n"))
    (tmp_path / "specs" / "a.yaml").write_text(model("a", TYPO))
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "b.yaml").write_text(model("b", TYPO))
    monkeypatch.chdir(tmp_path)
    # specs/ holds Models: checked with the repository; other/ is not a spec folder, but a
    # gitops-seldon kind outside the folders is still checked as what it says it is.
    assert rules(validate([Path(".")], Path("."))) == [("specs/a.yaml", "model")]
    assert rules(validate([Path("specs/a.yaml")], Path("."))) == [("specs/a.yaml", "model")]


def test_generated_patches_are_not_manifests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    make_repo(tmp_path, {})
    patch = tmp_path / "deploy" / "overlays" / "dev" / "patches" / "a.yaml"
    patch.parent.mkdir(parents=True)
    patch.write_text("apiVersion: machinelearning.seldon.io/v1\nkind: SeldonDeployment\n"
                     "metadata:\n  name: a\nspec:\n  replicas: 2\n")
    broken = tmp_path / "deploy" / "base" / "kustomization.yaml"
    broken.parent.mkdir(parents=True)
    broken.write_text("resources: [\n")
    monkeypatch.chdir(tmp_path)
    assert rules(validate([Path("deploy")], Path("."))) == [
        ("deploy/base/kustomization.yaml", "yaml-syntax")]


def test_config_problems_are_reported_for_a_model_file(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    make_repo(tmp_path, {"a": TYPO})
    (tmp_path / "gitops-seldon.yaml").write_text(CONFIG + "  extra: 1\n")
    monkeypatch.chdir(tmp_path)
    # The Model cannot be checked in context, but it is still checked on its own.
    assert rules(validate([Path("models/a.yaml")], Path("."))) == [
        ("gitops-seldon.yaml", "config"), ("models/a.yaml", "model")]


def test_formats_and_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    make_repo(tmp_path, {"a": TYPO})
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "--format", "json"]) == 1
    [item] = json.loads(capsys.readouterr().out)
    assert item == {"file": "models/a.yaml", "line": 8, "col": 3, "rule": "model",
                    "level": "error", "message": "unknown field 'replica'"}
    assert main(["validate", "--format", "github"]) == 1
    assert capsys.readouterr().out == (
        "::error file=models/a.yaml,line=8,col=3,title=model::unknown field 'replica'\n")
    (tmp_path / "models" / "a.yaml").write_text(model("a", GOOD))
    assert main(["validate"]) == 0
    assert capsys.readouterr().out == ""


def test_warnings_alone_exit_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    make_repo(tmp_path, {})
    sealed = tmp_path / "credentials" / "sealed" / "qa" / "gone.yaml"
    sealed.parent.mkdir(parents=True)
    sealed.write_text("apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n"
                      "  name: gone\n  namespace: qa\nspec:\n  encryptedData: {}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 0
    assert "sealed-unknown-environment" in capsys.readouterr().out


def test_secrets_only_reports_unparsable_secrets_but_not_templates(tmp_path: Path) -> None:
    (tmp_path / "secret.yaml").write_text("apiVersion: v1\nkind: Secret\ndata:\n\ta: b\n")
    (tmp_path / "template.yaml").write_text("kind: Deployment\nname: {{ .Release.Name }}\n")
    (tmp_path / "bad-sdep.yaml").write_text(
        "apiVersion: machinelearning.seldon.io/v1\nkind: SeldonDeployment\nspec: {}\n")
    assert rules(check_secrets([tmp_path], tmp_path)) == [
        ((tmp_path / "secret.yaml").as_posix(), "yaml-tab")]


def test_secrets_only_ignores_repository_rules(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    make_repo(tmp_path, {"a": TYPO})
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "--secrets-only", "models/a.yaml"]) == 0


def test_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    [problem] = validate([tmp_path], tmp_path)
    assert (problem.path, problem.line, problem.rule) == (
        (tmp_path / "gone.yaml").as_posix(), 0, "unreadable")


def test_a_given_config_checks_what_it_can_break(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    make_repo(tmp_path, {"a": GOOD + "  environments:\n    prod:\n      replicas: 2\n"})
    monkeypatch.chdir(tmp_path)
    assert rules(validate([Path("models/a.yaml")], Path("."))) == [
        ("models/a.yaml", "environment-unknown")]
    assert rules(validate([Path("gitops-seldon.yaml")], Path("."))) == [
        ("models/a.yaml", "environment-unknown")]


def test_nesting_depth_is_counted_without_recursion() -> None:
    from gitops_seldon.source import MAX_DEPTH, nesting_depth

    deep: object = "leaf"
    for _ in range(5000):
        deep = {"a": [deep]}
    assert nesting_depth(deep) == MAX_DEPTH + 1
    assert nesting_depth({"a": [{"b": 1}], "c": {}}) == 3
    assert nesting_depth("x") == 0


def test_a_workflow_named_like_the_config_is_not_a_repository(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_repo(tmp_path, {"a": GOOD})
    workflow = tmp_path / ".github" / "workflows" / "gitops-seldon.yaml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("name: gitops-seldon\non:\n  pull_request:\njobs: {}\n")
    assert find_repository_root(workflow.parent) == tmp_path
    monkeypatch.chdir(tmp_path)
    assert validate([Path(".github/workflows/gitops-seldon.yaml")], Path(".")) == []


def test_kustomize_patches_are_partial_objects(tmp_path: Path) -> None:
    patches = tmp_path / "overlays" / "prod" / "patches"
    patches.mkdir(parents=True)
    (patches / "iris.yaml").write_text(
        "apiVersion: machinelearning.seldon.io/v1\nkind: SeldonDeployment\n"
        "metadata:\n  name: iris\nspec:\n  $patch: replace\n")
    (patches / "secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  KEY: value\n")
    assert rules(validate([tmp_path], tmp_path)) == [
        ((patches / "secret.yaml").as_posix(), "plaintext-secret")]
