"""Render output depends on nothing but the inputs: not on file creation order, hash seed
or locale; and rendering twice is rendering once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from render_repo import EXAMPLE, model_text

from gitops_seldon.write import render


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def write_repo(root: Path, models: list[tuple[str, int]], order: list[int]) -> Path:
    root.mkdir(parents=True)
    shutil.copy(EXAMPLE / "gitops-seldon.yaml", root / "gitops-seldon.yaml")
    shutil.copytree(EXAMPLE / "certs", root / "certs")
    shutil.copytree(EXAMPLE / "credentials", root / "credentials")
    (root / "models").mkdir()
    for position in order:
        name, template = models[position]
        (root / "models" / f"{name}.yaml").write_text(model_text(name, template))
    return root


names = st.text(alphabet="abcdefgh", min_size=1, max_size=6).map(lambda s: f"x{s}")
repos = st.lists(st.tuples(names, st.integers(0, 4)), min_size=1, max_size=6,
                 unique_by=lambda item: item[0])


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(models=repos, data=st.data())
def test_output_is_independent_of_file_order_and_idempotent(
        models: list[tuple[str, int]], data: st.DataObject) -> None:
    order = data.draw(st.permutations(range(len(models))))
    with tempfile.TemporaryDirectory() as scratch:
        first = write_repo(Path(scratch) / "a", models, list(range(len(models))))
        second = write_repo(Path(scratch) / "b", models, list(order))
        render(first)
        render(second)
        assert tree(first / "deploy") == tree(second / "deploy")
        again = render(first)
        assert not again.changes and not again.written


def test_output_is_independent_of_hash_seed_and_locale(tmp_path: Path) -> None:
    outputs = []
    for seed, locale in (("0", "C"), ("1", "C.UTF-8"), ("4242", "POSIX")):
        root = tmp_path / f"repo-{seed}"
        shutil.copytree(EXAMPLE, root)
        env = {**os.environ, "PYTHONHASHSEED": seed, "LC_ALL": locale, "LANG": locale}
        subprocess.run([sys.executable, "-m", "gitops_seldon", "render", "--repo", str(root)],
                       env=env, check=True, capture_output=True)
        outputs.append(tree(root / "deploy"))
    assert outputs[0] == outputs[1] == outputs[2]
    assert len(outputs[0]) == 47


def apply_patch(document: object, ops: list[dict[str, object]]) -> object:
    """A minimal RFC 6902 applier (add/remove/replace) for the property below."""
    import copy

    document = copy.deepcopy(document)
    for op in ops:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in str(op["path"]).split("/")[1:]]
        if not parts:
            document = copy.deepcopy(op["value"])
            continue
        parent: object = document
        for part in parts[:-1]:
            parent = parent[int(part)] if isinstance(parent, list) else parent[part]  # type: ignore[index]
        last = parts[-1]
        key: object = int(last) if isinstance(parent, list) else last
        if op["op"] == "remove":
            del parent[key]  # type: ignore[attr-defined]
        else:
            parent[key] = copy.deepcopy(op["value"])  # type: ignore[index]
    return document


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-1, 2) | st.floats(0, 1, allow_nan=False)
    | st.text("ab/~", max_size=3),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text("ab/~.", min_size=1, max_size=3), children, max_size=3),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(before=st.dictionaries(st.text("ab/~", min_size=1, max_size=3), json_values, max_size=4),
       after=st.dictionaries(st.text("ab/~", min_size=1, max_size=3), json_values, max_size=4))
def test_json_patch_turns_before_into_after(before: dict[str, object],
                                            after: dict[str, object]) -> None:
    from gitops_seldon.write import json_patch

    ops = json_patch(before, after)
    def canonical(value: object) -> str:  # tells 1 from true and 1.0, unlike ==
        return json.dumps(value, sort_keys=True)

    assert canonical(apply_patch(before, ops)) == canonical(after)
    assert json_patch(after, after) == []
