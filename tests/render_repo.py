"""Build gitops-seldon repositories for render tests and the benchmark.

``make_repo`` copies the bundled example's config, certificates and credentials (whose
SealedSecrets are sealed for its namespaces) and writes ``count`` generated Models that
cycle through the features render supports.
"""

from __future__ import annotations

import shutil
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLE = PROJECT / "examples" / "ml-platform"

TEMPLATES = [
    """implementation: SKLEARN_SERVER
  modelUri: s3://models/{name}/1
  credentials: minio
  parameters:
    - {{name: method, type: STRING, value: predict}}
""",
    """implementation: XGBOOST_SERVER
  protocol: v2
  modelUri: s3://models/{name}/2
  credentials: minio
  resources:
    requests: {{cpu: 250m, memory: 512Mi}}
  environments:
    prod:
      hpa: {{minReplicas: 2, maxReplicas: 6, cpuUtilization: 75}}
""",
    """implementation: custom
  image: registry.example.com/{name}:1.0.{index}
  modelUri: azureblob:models/{name}
  credentials: azure-blob
  env:
    - {{name: MODEL_NAME, value: {name}}}
  environments:
    staging:
      canary: {{image: "registry.example.com/{name}:1.1.0", traffic: 30}}
""",
    """implementation: HUGGINGFACE_SERVER
  protocol: v2
  modelUri: gcs:bucket/{name}
  credentials: gcs-models
  shadow: {{modelUri: "gcs:bucket/{name}-next", traffic: 25}}
  environments:
    prod:
      enabled: false
""",
    """implementation: TRITON_SERVER
  protocol: v2
  modelUri: s3://models/{name}/triton
  credentials: minio
  pdb: {{minAvailable: 1}}
  explainer: {{type: AnchorTabular, modelUri: "s3://models/{name}/explainer"}}
""",
]


def model_text(name: str, index: int) -> str:
    body = TEMPLATES[index % len(TEMPLATES)].format(name=name, index=index)
    return ("apiVersion: gitops-seldon.dev/v1alpha1\nkind: Model\n"
            f"metadata:\n  name: {name}\nspec:\n  {body}")


def make_repo(root: Path, count: int, *, prefix: str = "m") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLE / "gitops-seldon.yaml", root / "gitops-seldon.yaml")
    shutil.copytree(EXAMPLE / "certs", root / "certs", dirs_exist_ok=True)
    shutil.copytree(EXAMPLE / "credentials", root / "credentials", dirs_exist_ok=True)
    models = root / "models"
    models.mkdir(exist_ok=True)
    for index in range(count):
        name = f"{prefix}{index:04d}"
        (models / f"{name}.yaml").write_text(model_text(name, index), encoding="utf-8")
    return root
