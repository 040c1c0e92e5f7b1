"""docs/validate-rules.md lists every rule, and the corpus has a case for each."""

from __future__ import annotations

import json
import re
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
DOC = PROJECT / "docs" / "validate-rules.md"
CORPUS = PROJECT / "tests" / "corpus"
NOT_IN_CORPUS = {
    "unreadable": "needs an unreadable file; tests/test_validate_dispatch.py",
    "render": "planning errors are render's; covered by its tests",
}


def documented() -> set[str]:
    return set(re.findall(r"^\| `([a-z0-9-]+)` \|", DOC.read_text(), re.MULTILINE))


def corpus_rules() -> set[str]:
    rules: set[str] = set()
    for expected in CORPUS.glob("*/expected.txt"):
        text = expected.read_text()
        if text.startswith("["):
            rules |= {item["rule"] for item in json.loads(text)}
            continue
        rules |= set(re.findall(r"^.+?:\d+:\d+: ([a-z0-9-]+): ", text, re.MULTILINE))
        rules |= set(re.findall(r",title=([a-z0-9-]+)::", text))
    return rules


def test_every_documented_rule_has_a_corpus_case() -> None:
    missing = documented() - corpus_rules() - set(NOT_IN_CORPUS)
    assert not missing, f"no corpus case shows: {sorted(missing)}"


def test_every_reported_rule_is_documented() -> None:
    seldon_doc = PROJECT / "docs" / "seldon-rules.md"
    seldon = seldon_doc.read_text() if seldon_doc.is_file() else ""
    undocumented = {rule for rule in corpus_rules() - documented()
                    if not (rule.startswith("seldon-") and (not seldon or rule in seldon))}
    assert not undocumented, f"add to docs/validate-rules.md: {sorted(undocumented)}"
    assert DOC.read_text().count("seldon-rules.md") >= 1
