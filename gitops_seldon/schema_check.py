"""A compiled JSON Schema checker for the subset Kubernetes structural schemas use.

``jsonschema`` interprets a schema on every call; validating 1,000 manifests against the
SeldonDeployment schema that way costs seconds. Here each subschema is compiled once, on
first use, into a closure, and every error becomes a ``Finding`` whose ``loc`` is the key
path of the offending value. Keywords: type (with null), properties,
additionalProperties, required, items, prefixItems, $ref (local), anyOf, oneOf, allOf,
not, enum, const, format (int32, int64, date-time), pattern, propertyNames, minimum, maximum,
exclusiveMinimum, exclusiveMaximum, multipleOf, minLength, maxLength, minItems, maxItems,
uniqueItems, minProperties, maxProperties, and ``x-kubernetes-list-map-keys``. Any other
keyword is ignored, as JSON Schema ignores unknown keywords; tests check that the outcome
agrees with ``jsonschema`` on the schemas the product uses.

Values are never echoed in messages (an env value may be a secret).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from gitops_seldon.problems import Finding

RULE = "seldon-schema"

Path = tuple[Any, ...] | None
"""A linked path: ``(parent, key)`` pairs; turned into a tuple only when an error is made."""
Errors = list[tuple[Path, str]]
Check = Callable[[Any, Path, Errors], None]

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})\Z"
)


def _loc(path: Path) -> tuple[str | int, ...]:
    parts: list[str | int] = []
    while path is not None:
        path, key = path
        parts.append(key)
    parts.reverse()
    return tuple(parts)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


_ARTICLE = {"integer": "an integer", "array": "a list", "object": "a mapping",
            "null": "null", "boolean": "a boolean", "string": "a string",
            "number": "a number"}


def _type_test(name: str, strict: bool = False) -> Callable[[Any], bool]:
    if name == "string":
        return is_text if strict else (lambda v: type(v) is str)
    if name == "integer":
        if strict:
            return lambda v: type(v) is int
        return lambda v: (type(v) is int) or (type(v) is float and v.is_integer())
    if name == "number":
        if strict:
            return lambda v: type(v) is int or (type(v) is float and math.isfinite(v))
        return lambda v: type(v) is int or type(v) is float
    if name == "boolean":
        return lambda v: type(v) is bool
    if name == "object":
        return lambda v: type(v) is dict
    if name == "array":
        return lambda v: type(v) is list
    if name == "null":
        return lambda v: v is None
    return lambda v: True


def is_text(value: Any) -> bool:
    """A str that is valid Unicode text: not one holding a lone surrogate (a YAML
    ``"\\ud800"`` escape), which cannot be encoded and which pydantic refuses."""
    if type(value) is not str:
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def strict_pattern(text: str) -> str:
    """``text`` with every ``$`` anchor (outside a character class, not escaped) as
    ``\\Z``: pydantic's regex engine ends a match at ``$`` only at the very end of the
    string, Python's ``$`` also before a final newline."""
    out = []
    escaped = in_class = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "$" and not in_class:
            out.append(r"\Z")
            continue
        out.append(char)
    return "".join(out)


def _field(path: Path) -> str:
    if path is None:
        return "the document"
    key = path[1]
    return f"{key!r}" if isinstance(key, str) else f"item {key}"


class Compiler:
    """Compiles subschemas of one root schema lazily, each once (keyed by identity)."""

    def __init__(self, root: Mapping[str, Any], strict: bool = False) -> None:
        self.root = root
        self.strict = strict
        self.cache: dict[int, Check] = {}
        self.keep: list[Any] = []  # keep compiled subschemas alive so ids stay unique

    def resolve(self, ref: str) -> Mapping[str, Any]:
        if not ref.startswith("#"):
            raise ValueError(f"only local $ref is supported, not {ref!r}")
        node: Any = self.root
        for part in ref[1:].split("/"):
            if part:
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return node  # type: ignore[no-any-return]

    def compile(self, schema: Any) -> Check:
        key = id(schema)
        found = self.cache.get(key)
        if found is not None:
            return found
        holder: list[Check] = []

        def lazy(value: Any, path: Path, errors: Errors) -> None:
            if not holder:
                holder.append(self._build(schema))
            holder[0](value, path, errors)

        self.cache[key] = lazy
        self.keep.append(schema)
        return lazy

    def _pattern(self, text: str) -> re.Pattern[str]:
        return re.compile(strict_pattern(text) if self.strict else text)

    def _build(self, schema: Any) -> Check:
        if schema is True or schema == {}:
            return lambda v, p, e: None
        if schema is False:
            return lambda v, p, e: e.append((p, f"{_field(p)} is not allowed here"))
        if not isinstance(schema, Mapping):
            return lambda v, p, e: None
        checks: list[Check] = []
        if "$ref" in schema:
            checks.append(self.compile(self.resolve(schema["$ref"])))
        kinds = schema.get("type")
        type_ok: Callable[[Any], bool] | None = None
        wanted = ""
        if kinds is not None:
            names: list[str] = [kinds] if isinstance(kinds, str) else list(kinds)
            tests = [_type_test(n, self.strict) for n in names]
            shown = [n for n in names if n != "null"] or names
            wanted = " or ".join(_ARTICLE.get(n, n) for n in shown)
            type_ok = tests[0] if len(tests) == 1 else (lambda v: any(t(v) for t in tests))
        checks.extend(self._object(schema))
        checks.extend(self._array(schema))
        checks.extend(self._scalar(schema))
        for keyword in ("anyOf", "oneOf"):
            if keyword in schema:
                checks.append(self._alternatives(schema[keyword], keyword == "oneOf"))
        for sub in schema.get("allOf", ()):
            checks.append(self.compile(sub))
        if "not" in schema:
            inner = self.compile(schema["not"])

            def negated(value: Any, path: Path, errors: Errors) -> None:
                scratch: Errors = []
                inner(value, path, scratch)
                if not scratch:
                    errors.append((path, f"{_field(path)} matches a schema it must not"))

            checks.append(negated)
        if "enum" in schema:
            allowed = list(schema["enum"])
            listed = ", ".join(json.dumps(a) for a in allowed[:10])

            def enum(value: Any, path: Path, errors: Errors) -> None:
                if not any(_same(value, a) for a in allowed):
                    errors.append((path, f"{_field(path)} must be one of {listed}"))

            checks.append(enum)
        if "const" in schema:
            constant = schema["const"]

            def const(value: Any, path: Path, errors: Errors) -> None:
                if not _same(value, constant):
                    errors.append((path, f"{_field(path)} must be {json.dumps(constant)}"))

            checks.append(const)

        body = checks[0] if len(checks) == 1 else _sequence(checks) if checks else None
        if type_ok is None:
            return body if body is not None else (lambda v, p, e: None)
        test = type_ok

        def typed(value: Any, path: Path, errors: Errors) -> None:
            if not test(value):
                errors.append((path, f"{_field(path)} must be {wanted}, not "
                                     f"{_ARTICLE.get(_kind(value), _kind(value))}"
                                     + (" (quote it)" if wanted == "a string"
                                        and _kind(value) in ("boolean", "integer", "number")
                                        else "")))
                return
            if body is not None:
                body(value, path, errors)

        return typed

    def _object(self, schema: Mapping[str, Any]) -> list[Check]:
        properties = {k: self.compile(v) for k, v in schema.get("properties", {}).items()}
        additional = schema.get("additionalProperties", True)
        required = list(schema.get("required", ()))
        has_patterns = "patternProperties" in schema
        patterns = [(self._pattern(p), self.compile(s))
                    for p, s in schema.get("patternProperties", {}).items()]
        min_props, max_props = schema.get("minProperties"), schema.get("maxProperties")
        names = self.compile(schema["propertyNames"]) if "propertyNames" in schema else None
        keys_are_text = self.strict
        if not (properties or required or additional is not True or has_patterns
                or min_props is not None or max_props is not None or names or keys_are_text):
            return []
        extra: Check | None = None
        if additional is False:
            extra = None
        elif additional is not True:
            extra = self.compile(additional)
        strict = additional is False

        def check(value: Any, path: Path, errors: Errors) -> None:
            if type(value) is not dict:
                return
            for key in required:
                if key not in value:
                    errors.append((path, f"missing required field {key!r}"))
            for key, item in value.items():
                if keys_are_text and not is_text(key):
                    errors.append(((path, key), f"key {key!r} is not a string"))
                    continue
                if names is not None:
                    names(key, (path, key), errors)
                sub = properties.get(key)
                if sub is not None:
                    sub(item, (path, key), errors)
                    continue
                matched = False
                for pattern, pattern_check in patterns:
                    if pattern.search(str(key)):
                        pattern_check(item, (path, key), errors)
                        matched = True
                if matched:
                    continue
                if strict:
                    errors.append(((path, key), f"unknown field {key!r}"))
                elif extra is not None:
                    extra(item, (path, key), errors)
            if min_props is not None and len(value) < min_props:
                errors.append((path, f"{_field(path)} needs at least {min_props} entries"))
            if max_props is not None and len(value) > max_props:
                errors.append((path, f"{_field(path)} has more than {max_props} entries"))

        return [check]

    def _array(self, schema: Mapping[str, Any]) -> list[Check]:
        checks: list[Check] = []
        items = schema.get("items")
        if isinstance(items, list):  # draft 4 tuple form
            prefix = [self.compile(s) for s in items]
            items = schema.get("additionalItems", True)
        else:
            prefix = [self.compile(s) for s in schema.get("prefixItems", ())]
        if items is not None and items is not True and items != {}:
            each = self.compile(items)

            def check_items(value: Any, path: Path, errors: Errors) -> None:
                if type(value) is list:
                    for index in range(len(prefix), len(value)):
                        each(value[index], (path, index), errors)

            checks.append(check_items)
        if prefix:
            def check_prefix(value: Any, path: Path, errors: Errors) -> None:
                if type(value) is list:
                    for index, (item, sub) in enumerate(zip(value, prefix, strict=False)):
                        sub(item, (path, index), errors)

            checks.append(check_prefix)
        low, high = schema.get("minItems"), schema.get("maxItems")
        if low is not None or high is not None:
            def check_size(value: Any, path: Path, errors: Errors) -> None:
                if type(value) is list:
                    if low is not None and len(value) < low:
                        errors.append((path, f"{_field(path)} needs at least {low} items"))
                    if high is not None and len(value) > high:
                        errors.append((path, f"{_field(path)} has more than {high} items"))

            checks.append(check_size)
        if schema.get("uniqueItems") is True:
            def check_unique(value: Any, path: Path, errors: Errors) -> None:
                if type(value) is list:
                    seen: list[str] = []
                    for index, item in enumerate(value):
                        key = _canonical(item)
                        if key in seen:
                            errors.append(((path, index), f"{_field((path, index))} repeats "
                                                          "an earlier item; items must be unique"))
                        seen.append(key)

            checks.append(check_unique)
        map_keys = schema.get("x-kubernetes-list-map-keys")
        if schema.get("x-kubernetes-list-type") == "map" and map_keys:
            keys = list(map_keys)

            def check_map_keys(value: Any, path: Path, errors: Errors) -> None:
                if type(value) is list:
                    seen: set[str] = set()
                    for index, item in enumerate(value):
                        if type(item) is not dict:
                            continue
                        key = _canonical([item.get(k) for k in keys])
                        if key in seen:
                            errors.append(((path, index), f"{_field((path, index))} repeats "
                                           f"the key ({', '.join(keys)}) of an earlier item"))
                        seen.add(key)

            checks.append(check_map_keys)
        return checks

    def _scalar(self, schema: Mapping[str, Any]) -> list[Check]:
        checks: list[Check] = []
        fmt = schema.get("format")
        bounds = {"int32": INT32, "int64": INT64}.get(fmt) if isinstance(fmt, str) else None
        if bounds is not None:
            low, high = bounds

            def check_range(value: Any, path: Path, errors: Errors) -> None:
                if type(value) is int and not low <= value <= high:
                    errors.append((path, f"{_field(path)} is out of the {fmt} range"))

            checks.append(check_range)
        if fmt == "date-time":
            def check_date(value: Any, path: Path, errors: Errors) -> None:
                if type(value) is str and not DATE_TIME.match(value):
                    errors.append((path, f"{_field(path)} is not an RFC 3339 date-time"))

            checks.append(check_date)
        if "pattern" in schema:
            pattern = self._pattern(schema["pattern"])

            def check_pattern(value: Any, path: Path, errors: Errors) -> None:
                if type(value) is str and not pattern.search(value):
                    errors.append((path, f"{_field(path)} does not match "
                                         f"{pattern.pattern!r}"))

            checks.append(check_pattern)
        low_len, high_len = schema.get("minLength"), schema.get("maxLength")
        if low_len is not None or high_len is not None:
            def check_length(value: Any, path: Path, errors: Errors) -> None:
                if type(value) is str:
                    if low_len is not None and len(value) < low_len:
                        errors.append((path, f"{_field(path)} is shorter than {low_len}"))
                    if high_len is not None and len(value) > high_len:
                        errors.append((path, f"{_field(path)} is longer than {high_len}"))

            checks.append(check_length)
        limits = [(k, schema[k]) for k in ("minimum", "maximum", "exclusiveMinimum",
                                            "exclusiveMaximum", "multipleOf")
                  if k in schema and not isinstance(schema[k], bool)]
        if limits:
            draft4 = {k: schema.get(k) is True for k in ("exclusiveMinimum", "exclusiveMaximum")}

            def check_number(value: Any, path: Path, errors: Errors) -> None:
                if type(value) not in (int, float):
                    return
                for keyword, limit in limits:
                    if _violates(keyword, limit, value, draft4):
                        errors.append((path, f"{_field(path)} violates {keyword} {limit}"))

            checks.append(check_number)
        return checks

    def _alternatives(self, options: list[Any], exactly_one: bool) -> Check:
        nulls = [o for o in options if o == {"type": "null"}]
        if len(nulls) == 1 and len(options) == 2:
            # "X or null" (an optional field the API server prunes when null): report X's
            # own errors rather than "matches none of the allowed forms".
            other = self.compile(next(o for o in options if o is not nulls[0]))

            def nullable(value: Any, path: Path, errors: Errors) -> None:
                if value is not None:
                    other(value, path, errors)

            return nullable
        compiled = [self.compile(o) for o in options]
        typed: list[Callable[[Any], bool] | None] = [
            _type_test(o["type"], self.strict)
            if isinstance(o, Mapping) and isinstance(o.get("type"), str) else None
            for o in options
        ]

        def check(value: Any, path: Path, errors: Errors) -> None:
            passed = 0
            first: Errors | None = None
            for sub in compiled:
                scratch: Errors = []
                sub(value, path, scratch)
                if not scratch:
                    passed += 1
                    if not exactly_one:
                        return
                elif first is None:
                    first = scratch
            if exactly_one and passed == 1:
                return
            if passed == 0:
                fitting = [i for i, t in enumerate(typed) if t is not None and t(value)]
                if first is not None and len(compiled) == 1:
                    errors.extend(first)
                elif len(fitting) == 1:
                    compiled[fitting[0]](value, path, errors)
                else:
                    errors.append((path, f"{_field(path)} matches none of the allowed forms"
                                   + _forms(options)))
            else:
                errors.append((path, f"{_field(path)} matches more than one allowed form"))

        return check


def _forms(options: list[Any]) -> str:
    kinds = [o.get("type") for o in options if isinstance(o, Mapping)]
    names = [k for k in kinds if isinstance(k, str)]
    if names and len(names) == len(kinds):
        return " (" + " or ".join(_ARTICLE.get(k, k) for k in names) + ")"
    return ""


def _violates(keyword: str, limit: float, value: float, draft4: dict[str, bool]) -> bool:
    if keyword == "minimum":
        return value <= limit if draft4["exclusiveMinimum"] else value < limit
    if keyword == "maximum":
        return value >= limit if draft4["exclusiveMaximum"] else value > limit
    if keyword == "exclusiveMinimum":
        return value <= limit
    if keyword == "exclusiveMaximum":
        return value >= limit
    return limit != 0 and (value / limit) != int(value / limit)


def _sequence(checks: list[Check]) -> Check:
    def run(value: Any, path: Path, errors: Errors) -> None:
        for check in checks:
            check(value, path, errors)

    return run


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return bool(a == b)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


class CompiledSchema:
    """A root schema compiled once; ``findings(obj)`` lists every error, sorted by loc.

    ``strict``: JSON Schema as pydantic's strict mode reads it, for the spec schemas
    (``gitops_seldon.spec.accept``): an integer is never a float such as ``1.0``, and a
    pattern's final ``$`` does not match before a trailing newline."""

    def __init__(self, schema: Mapping[str, Any], strict: bool = False) -> None:
        self.schema = schema
        self._check = Compiler(schema, strict).compile(schema)

    def errors(self, obj: Any) -> Errors:
        errors: Errors = []
        self._check(obj, None, errors)
        return errors

    def findings(self, obj: Any) -> list[Finding]:
        found = [Finding(_loc(path), RULE, message) for path, message in self.errors(obj)]
        found.sort(key=lambda f: tuple(str(p) for p in f.loc))
        return found


_compiled: dict[int, CompiledSchema] = {}


def compiled(schema: Mapping[str, Any]) -> CompiledSchema:
    """The compiled form of ``schema``, cached for the life of the process."""
    key = id(schema)
    found = _compiled.get(key)
    if found is None or found.schema is not schema:
        found = CompiledSchema(schema)
        _compiled[key] = found
    return found


@lru_cache(maxsize=1)
def product_schema() -> dict[str, Any]:
    """The product's own SeldonDeployment JSON Schema (package data)."""
    from gitops_seldon.validate.sdep_schema import load_product_schema

    return load_product_schema()


def schema_findings(obj: Any, schema: Mapping[str, Any] | None = None) -> list[Finding]:
    return compiled(schema if schema is not None else product_schema()).findings(obj)
