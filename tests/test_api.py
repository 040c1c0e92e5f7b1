"""The Python API: lazy re-exports, load_repository's typed summary, prediction URLs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import gitops_seldon
from gitops_seldon.api import (
    PromotionResult,
    RepositoryInfo,
    load_repository,
    prediction_url,
)
from gitops_seldon.promotion import Change, PromotionError

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ml-platform"


def test_importing_the_package_stays_lean() -> None:
    code = ("import sys, gitops_seldon; "
            "heavy = [m for m in ('gitops_seldon.api', 'ruamel.yaml', 'pydantic', 'git') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_lazy_re_exports_are_the_api_objects() -> None:
    from gitops_seldon import api, promotion
    from gitops_seldon.commands import promote as promote_command

    assert gitops_seldon.promote is api.promote
    assert gitops_seldon.load_repository is api.load_repository
    assert gitops_seldon.PromotionResult is api.PromotionResult
    assert gitops_seldon.PromotionError is promotion.PromotionError
    # no submodule shadows the function, whatever was imported first
    assert promote_command.run is not None and callable(gitops_seldon.promote)
    assert {"promote", "load_repository", "PromotionResult"} <= set(dir(gitops_seldon))
    with pytest.raises(AttributeError):
        gitops_seldon.no_such_name  # noqa: B018


def test_promotion_error_is_a_gitops_seldon_error() -> None:
    from gitops_seldon.problems import GitopsSeldonError

    assert issubclass(PromotionError, GitopsSeldonError)


@pytest.fixture(scope="module")
def example() -> RepositoryInfo:
    return load_repository(EXAMPLE)


def test_load_repository_reads_models_and_environments(example: RepositoryInfo) -> None:
    assert [e.name for e in example.environments] == ["dev", "prod", "staging"]
    prod = example.environment("prod")
    assert prod is not None and prod.namespace == "models-prod"
    assert prod.base_url == "https://ml.example.com"
    names = [m.name for m in example.models]
    assert names == sorted(names) and "iris" in names
    iris = example.model("iris")
    assert iris is not None
    assert iris.source == "models/iris.yaml"
    assert iris.spec.spec.implementation == iris.implementation == "SKLEARN_SERVER"
    assert example.problems == ()


def test_deployment_merges_defaults_spec_and_overrides(example: RepositoryInfo) -> None:
    iris = example.model("iris")
    assert iris is not None
    staging = iris.deployment("staging")
    assert staging is not None
    assert staging.main.model_uri == "s3://models/iris/v3"
    assert staging.main.traffic == 80
    assert staging.canary is not None
    assert (staging.canary.model_uri, staging.canary.traffic) == ("s3://models/iris/v4", 20)
    assert staging.prediction_url == (
        "https://staging.ml.example.com/seldon/models-staging/iris/api/v0.1/predictions")
    prod = iris.deployment("prod")
    assert prod is not None and prod.canary is None and prod.main.traffic == 100
    assert prod.autoscaling == (3, 10)
    dev = iris.deployment("dev")
    assert dev is not None and dev.main.replicas == 1  # from the config's defaults


def test_disabled_environments_are_listed_apart(example: RepositoryInfo) -> None:
    triton = example.model("resnet-triton")
    assert triton is not None
    assert triton.disabled_in == ("prod",)
    assert triton.deployment("prod") is None
    assert all(d.env != "prod" or d.model != "resnet-triton" for d in example.deployments())
    assert [d.env for d in example.deployments("dev")] == ["dev"] * len(example.models)


def test_v2_models_get_the_open_inference_protocol_url(example: RepositoryInfo) -> None:
    churn = example.model("churn-xgb")
    assert churn is not None
    deployment = churn.deployment("prod")
    assert deployment is not None and deployment.protocol == "v2"
    assert deployment.prediction_url == (
        "https://ml.example.com/seldon/models-prod/churn-xgb/v2/models/churn-xgb/infer")


def test_graph_models_name_their_model_node(example: RepositoryInfo) -> None:
    reviews = example.model("reviews")
    assert reviews is not None and reviews.spec.spec.graph is not None
    url = reviews.deployments[0].prediction_url
    assert url is not None and "/seldon/models-dev/reviews/" in url


@pytest.mark.parametrize(("protocol", "tail"), [
    ("seldon", "/api/v0.1/predictions"),
    ("v2", "/v2/models/clf/infer"),
    ("kfserving", "/v2/models/clf/infer"),
    ("tensorflow", "/v1/models/clf:predict"),
])
def test_prediction_url_per_protocol(protocol: str, tail: str) -> None:
    url = prediction_url("https://ml.example.com/", "ns", "iris", protocol, "clf")
    assert url == f"https://ml.example.com/seldon/ns/iris{tail}"


def test_no_base_url_no_prediction_url() -> None:
    assert prediction_url(None, "ns", "iris", "seldon", "iris") is None


def test_prediction_url_of_a_result() -> None:
    urls = {"prod": "https://p/x", "dev": "https://d/x"}
    base = PromotionResult("iris", None, "models/iris.yaml", False, (), (), None, None, urls)
    assert base.prediction_url is None  # base spec, several environments
    assert PromotionResult("iris", "prod", "models/iris.yaml", False, (), (), None, None,
                           urls).prediction_url == "https://p/x"
    only = PromotionResult("iris", None, "m", False, (Change("spec.modelUri", "a", "b"),), (),
                           None, None, {"dev": "https://d/x"})
    assert only.prediction_url == "https://d/x" and only.changed
    assert only.to_json()["changes"] == [{"path": "spec.modelUri", "old": "a", "new": "b"}]


def test_load_repository_without_a_config_is_a_promotion_error(tmp_path: Path) -> None:
    with pytest.raises(PromotionError, match=r"gitops-seldon\.yaml"):
        load_repository(tmp_path)


def test_models_that_do_not_load_are_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "gitops-seldon.yaml").write_text(
        (Path(__file__).parent / "golden-promote" / "gitops-seldon.yaml").read_text())
    (tmp_path / "models" / "broken.yaml").write_text("kind: Model\nspec: [\n")
    info = load_repository(tmp_path)
    assert info.models == ()
    assert [p.path for p in info.problems] == ["models/broken.yaml"]
