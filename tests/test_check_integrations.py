"""The Argo CD, Flux and GitHub Actions examples: they parse, the commands they run are
real gitops-seldon command lines, and what kustomize can build, it builds."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from gitops_seldon.cli import build_parser, main

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLES = PROJECT / "examples"
EXAMPLE_REPO = EXAMPLES / "ml-platform"
VENV_BIN = Path(sys.executable).parent


def load_all(path: Path) -> list[Any]:
    return [d for d in YAML(typ="safe").load_all(path.read_text()) if d is not None]


def load_one(path: Path) -> Any:
    [document] = load_all(path)
    return document


def parse_command(argv: list[str]) -> argparse.Namespace:
    """Parse a gitops-seldon command line with the real parser; fail on bad usage."""
    assert argv[0] == "gitops-seldon", argv
    command = argv[1]
    try:
        return build_parser(command).parse_args(argv[1:])
    except SystemExit as exc:  # argparse reports bad usage by exiting
        raise AssertionError(f"not a valid gitops-seldon command line: {argv}") from exc


def example_environments() -> dict[str, dict[str, Any]]:
    config = load_one(EXAMPLE_REPO / "gitops-seldon.yaml")
    return config["spec"]["environments"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def rendered_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled example rendered to its default output, deploy/."""
    root = tmp_path_factory.mktemp("example") / "ml-platform"
    shutil.copytree(EXAMPLE_REPO, root, ignore=shutil.ignore_patterns("deploy"))
    assert main(["render", "--repo", str(root)]) == 0
    return root


def test_parse_command_rejects_what_the_cli_rejects() -> None:
    with pytest.raises(AssertionError, match="not a valid"):
        parse_command(["gitops-seldon", "render", "--no-such-flag"])


# -- Argo CD --------------------------------------------------------------------------

def test_argocd_plugin_runs_render_stdout_for_the_applications_environment() -> None:
    plugin = load_one(EXAMPLES / "argocd" / "plugin.yaml")
    assert (plugin["apiVersion"], plugin["kind"]) == ("argoproj.io/v1alpha1",
                                                      "ConfigManagementPlugin")
    assert plugin["spec"]["discover"]["fileName"] == "gitops-seldon.yaml"
    generate = plugin["spec"]["generate"]
    assert generate["command"] == ["sh", "-c"]
    [script] = generate["args"]
    argv = shlex.split(script.replace('"$ARGOCD_ENV_ENVIRONMENT"', "prod"))
    assert argv[0] == "exec"
    args = parse_command(argv[1:])
    assert (args.command, args.stdout, args.envs) == ("render", True, ["prod"])

    application = load_one(EXAMPLES / "argocd" / "application.yaml")
    source = application["spec"]["source"]["plugin"]
    assert source["name"] == f"{plugin['metadata']['name']}-{plugin['spec']['version']}"
    [variable] = source["env"]
    assert variable["name"] == "ENVIRONMENT"
    environments = example_environments()
    assert variable["value"] in environments
    assert (application["spec"]["destination"]["namespace"]
            == environments[variable["value"]]["namespace"])


def test_argocd_plugin_command_renders_the_repository(rendered_example: Path) -> None:
    """The plugin's script itself, through sh, as the cmp-server runs it (cwd = app path)."""
    [script] = load_one(EXAMPLES / "argocd" / "plugin.yaml")["spec"]["generate"]["args"]
    environment = {**os.environ, "ARGOCD_ENV_ENVIRONMENT": "staging",
                   "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(["sh", "-c", script], cwd=rendered_example, env=environment,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    objects = [d for d in YAML(typ="safe").load_all(result.stdout) if d]
    assert objects, "the plugin printed no manifests"
    assert {o["metadata"]["namespace"] for o in objects} == {"models-staging"}
    assert "SeldonDeployment" in {o["kind"] for o in objects}


def test_argocd_repo_server_patch_mounts_the_plugin_config() -> None:
    patch = load_one(EXAMPLES / "argocd" / "repo-server-patch.yaml")
    [sidecar] = patch["spec"]["template"]["spec"]["containers"]
    assert sidecar["command"] == ["/var/run/argocd/argocd-cmp-server"]
    mounts = {m["mountPath"]: m for m in sidecar["volumeMounts"]}
    assert mounts["/home/argocd/cmp-server/config/plugin.yaml"]["subPath"] == "plugin.yaml"
    volumes = {v["name"]: v for v in patch["spec"]["template"]["spec"]["volumes"]}
    config_map = volumes[mounts["/home/argocd/cmp-server/config/plugin.yaml"]["name"]]
    kustomization = load_one(EXAMPLES / "argocd" / "kustomization.yaml")
    [generator] = kustomization["configMapGenerator"]
    assert config_map["configMap"]["name"] == generator["name"]
    assert generator["files"] == ["plugin.yaml"]


def test_argocd_example_builds_with_kustomize(kubectl: str) -> None:
    result = subprocess.run([kubectl, "kustomize", str(EXAMPLES / "argocd")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    objects = [d for d in YAML(typ="safe").load_all(result.stdout) if d]
    config_map = next(o for o in objects if o["kind"] == "ConfigMap")
    embedded = YAML(typ="safe").load(config_map["data"]["plugin.yaml"])
    assert embedded["kind"] == "ConfigManagementPlugin"
    assert {o["kind"] for o in objects} == {"ConfigMap", "Application"}


# -- Flux -----------------------------------------------------------------------------

def flux_kustomizations() -> list[dict[str, Any]]:
    found = []
    for path in sorted((EXAMPLES / "flux").glob("*.yaml")):
        for document in load_all(path):
            if document.get("apiVersion", "").startswith("kustomize.toolkit.fluxcd.io/"):
                found.append(document)
    return found


def test_flux_has_one_kustomization_per_environment_on_the_git_repository() -> None:
    source = load_one(EXAMPLES / "flux" / "gitrepository.yaml")
    assert (source["apiVersion"], source["kind"]) == ("source.toolkit.fluxcd.io/v1",
                                                      "GitRepository")
    kustomizations = flux_kustomizations()
    paths = {k["spec"]["path"] for k in kustomizations}
    assert paths == {f"./deploy/overlays/{env}" for env in example_environments()}
    for kustomization in kustomizations:
        assert kustomization["kind"] == "Kustomization"
        assert kustomization["spec"]["sourceRef"] == {"kind": "GitRepository",
                                                      "name": source["metadata"]["name"]}
        assert kustomization["spec"]["prune"] is True
        for dependency in kustomization["spec"].get("dependsOn", []):
            assert dependency["name"] in {k["metadata"]["name"] for k in kustomizations}


def test_flux_paths_build_from_the_rendered_example(rendered_example: Path, kubectl: str) -> None:
    for kustomization in flux_kustomizations():
        overlay = rendered_example / kustomization["spec"]["path"]
        result = subprocess.run([kubectl, "kustomize", str(overlay)], capture_output=True,
                                text=True, check=False)
        assert result.returncode == 0, f"{overlay}: {result.stderr}"
        env = Path(kustomization["spec"]["path"]).name
        namespaces = {o["metadata"].get("namespace")
                      for o in YAML(typ="safe").load_all(result.stdout) if o}
        assert namespaces == {example_environments()[env]["namespace"]}


def test_flux_example_builds_with_kustomize(kubectl: str) -> None:
    result = subprocess.run([kubectl, "kustomize", str(EXAMPLES / "flux")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    kinds = sorted(o["kind"] for o in YAML(typ="safe").load_all(result.stdout) if o)
    assert kinds == ["GitRepository"] + ["Kustomization"] * len(example_environments())


# -- GitHub Actions -------------------------------------------------------------------

EXPRESSIONS = {"${{ github.base_ref }}": "main"}


def workflow_commands(workflow: dict[str, Any]) -> dict[str, list[list[str]]]:
    """job -> the gitops-seldon command lines its ``run`` steps execute."""
    found: dict[str, list[list[str]]] = {}
    for job_name, job in workflow["jobs"].items():
        for step in job["steps"]:
            script = step.get("run", "")
            for expression, value in EXPRESSIONS.items():
                script = script.replace(expression, value)
            assert "${{" not in script, f"unexpected expression in {script!r}"
            for line in script.splitlines():
                words = shlex.split(line.replace("$GITHUB_STEP_SUMMARY", "/tmp/summary.md"))
                if words and words[0] == "gitops-seldon":
                    found.setdefault(job_name, []).append(words)
    return found


def test_github_actions_workflow_runs_check_with_the_summary() -> None:
    workflow = load_one(EXAMPLES / "github-actions" / "gitops-seldon.yaml")
    commands = workflow_commands(workflow)
    [check] = commands["check"]
    args = parse_command(check)
    assert (args.command, args.base, args.format) == ("check", "origin/main", "github")
    assert str(args.summary_file) == "/tmp/summary.md"
    checkout = workflow["jobs"]["check"]["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["fetch-depth"] == 0, "the base branch must be fetched"

    [render] = commands["render"]
    args = parse_command(render)
    assert (args.command, args.commit) == ("render", True)
    assert workflow["jobs"]["render"]["permissions"] == {"contents": "write"}
    identity = workflow["jobs"]["render"]["steps"][-1]["env"]
    assert {"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
            "GIT_COMMITTER_EMAIL"} <= set(identity), "render --commit needs an identity"


def test_workflow_pins_the_package_version() -> None:
    text = (EXAMPLES / "github-actions" / "gitops-seldon.yaml").read_text()
    installs = re.findall(r"pip install (\S+)", text)
    assert installs and all(re.fullmatch(r"gitops-seldon==\d+\.\d+\.\d+", i) for i in installs)
