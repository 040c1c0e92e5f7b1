"""Verify's output: text (coloured only on a TTY and never with NO_COLOR), json, github.

Secret values never reach this module: changes under encryptedData arrive masked."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from gitops_seldon.report import github_escape, use_colour
from gitops_seldon.verify.engine import ObjectDrift, ObjectHealth, Result, exit_code

RED, GREEN, YELLOW, BOLD, DIM, RESET = (
    "\033[31m", "\033[32m", "\033[33m", "\033[1m", "\033[2m", "\033[0m")


def _summary(result: Result) -> str:
    if result.error is not None:
        return f"could not tell: {result.error}"
    counts: dict[str, int] = {}
    for item in result.drift:
        counts[item.action] = counts.get(item.action, 0) + 1
    parts = [f"{n} {action}" for action, n in sorted(counts.items())]
    unhealthy = len(result.unhealthy)
    status = ", ".join(parts) if parts else f"in sync ({result.compared} objects)"
    if unhealthy:
        status += f"; {unhealthy} unhealthy"
    return status


def _where(result: Result) -> str:
    bits = []
    if result.namespaces:
        bits.append(f"namespace {', '.join(result.namespaces)}")
    if result.context:
        bits.append(f"context {result.context}")
    return f" ({'; '.join(bits)})" if bits else ""


def write_text(results: Sequence[Result], stream: TextIO, *, show_diff: bool = True) -> None:
    colour = use_colour(stream)

    def paint(text: str, tint: str) -> str:
        return f"{tint}{text}{RESET}" if colour else text

    for result in results:
        tint = RED if result.error else YELLOW if result.drift else GREEN
        stream.write(f"{paint(result.target, BOLD)}{_where(result)}: "
                     f"{paint(_summary(result), tint)}\n")
        for item in result.drift:
            action_tint = YELLOW if item.action == "orphaned" else RED
            stream.write(f"  {paint(f'{item.action:<9}', action_tint)} {item.ref}\n")
            for change in item.changes:
                stream.write(f"      {change.message()}\n")
            if show_diff and item.diff:
                for line in item.diff.splitlines():
                    line_tint = (GREEN if line.startswith("+")
                                 else RED if line.startswith("-") else DIM)
                    stream.write(f"      {paint(line, line_tint)}\n")
        for state in result.unhealthy:
            reason = f": {state.health.reason}" if state.health.reason else ""
            stream.write(f"  {paint('unhealthy', YELLOW)} {state.ref}: "
                         f"{state.health.state}{reason}\n")
        for note in result.notes:
            stream.write(f"  {paint('note', DIM)}      {note}\n")


def _drift_json(item: ObjectDrift) -> dict[str, Any]:
    data: dict[str, Any] = {
        "apiVersion": item.api_version, "kind": item.ref.kind, "namespace": item.ref.namespace,
        "name": item.ref.name, "action": item.action,
        "changes": [c.as_json() for c in item.changes],
    }
    if item.diff:
        data["diff"] = item.diff
    if item.source:
        data["source"] = item.source
    return data


def _health_json(item: ObjectHealth) -> dict[str, Any]:
    return {"kind": item.ref.kind, "namespace": item.ref.namespace, "name": item.ref.name,
            "healthy": item.health.healthy, "state": item.health.state,
            "reason": item.health.reason}


def as_json(results: Sequence[Result], *, require_healthy: bool = False) -> dict[str, Any]:
    return {
        "exitCode": exit_code(results, require_healthy=require_healthy),
        "environments": [
            {
                "name": r.target,
                "status": "unknown" if r.error else "in-sync" if not r.drift else "drift",
                "error": r.error,
                "namespaces": list(r.namespaces),
                "context": r.context,
                "server": r.server,
                "compared": r.compared,
                "objects": [_drift_json(d) for d in r.drift],
                "health": [_health_json(h) for h in r.health],
                "notes": list(r.notes),
            }
            for r in results
        ],
    }


def write_json(results: Sequence[Result], stream: TextIO, *, require_healthy: bool = False) -> None:
    json.dump(as_json(results, require_healthy=require_healthy), stream, indent=2, default=str)
    stream.write("\n")


def write_github(results: Sequence[Result], stream: TextIO, *, require_healthy: bool = False
                 ) -> None:
    for result in results:
        if result.error is not None:
            title = github_escape(f"verify {result.target}", property_value=True)
            stream.write(f"::error title={title}::{github_escape(result.error)}\n")
            continue
        for item in result.drift:
            props = f"title={github_escape(f'drift in {result.target}', property_value=True)}"
            if item.source:
                props = (f"file={github_escape(item.source, property_value=True)},"
                         + (f"line={item.line}," if item.line else "") + props)
            lines = [f"{item.ref} {item.action}"] + [c.message() for c in item.changes]
            stream.write(f"::error {props}::{github_escape(chr(10).join(lines))}\n")
        for state in result.unhealthy:
            level = "error" if require_healthy else "warning"
            props = f"title={github_escape(f'unhealthy in {result.target}', property_value=True)}"
            if state.source:
                props = f"file={github_escape(state.source, property_value=True)}," + props
            text = f"{state.ref}: {state.health.state}: {state.health.reason}".rstrip(": ")
            stream.write(f"::{level} {props}::{github_escape(text)}\n")
        stream.write(f"{result.target}: {_summary(result)}\n")


def write(results: Sequence[Result], fmt: str, stream: TextIO, *, require_healthy: bool = False,
          show_diff: bool = True) -> None:
    if fmt == "json":
        write_json(results, stream, require_healthy=require_healthy)
    elif fmt == "github":
        write_github(results, stream, require_healthy=require_healthy)
    else:
        write_text(results, stream, show_diff=show_diff)
