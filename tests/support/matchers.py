"""Queries and assertions on synthesized Terraform JSON: cdktf's ``Testing`` matchers with
messages that say what was found, and ``terraform validate`` with the real AWS provider."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from cdktf import Testing


def resources(doc: dict, rtype: str) -> dict[str, dict]:
    """Every resource of ``rtype`` in a synthesized stack, by logical name."""
    return doc.get("resource", {}).get(rtype, {})


def sorted_names(doc: dict, rtype: str, prefix: str = "") -> list[str]:
    """The ``name`` property of every ``rtype`` resource whose name starts with ``prefix``,
    sorted."""
    return sorted(
        body["name"] for body in resources(doc, rtype).values() if body["name"].startswith(prefix)
    )


def only(doc: dict, rtype: str) -> dict:
    found = list(resources(doc, rtype).values())
    assert len(found) == 1, f"expected one {rtype}, found {len(found)}"
    return found[0]


def all_blocks(doc: dict):
    """(kind, type, name, body) of every resource and data source in a synthesized stack."""
    for kind in ("resource", "data"):
        for rtype, blocks in doc.get(kind, {}).items():
            for name, body in blocks.items():
                yield kind, rtype, name, body


def data_sources(doc: dict, dtype: str) -> dict[str, dict]:
    return doc.get("data", {}).get(dtype, {})


class Synthesized(dict):
    """A synthesized stack as JSON (a dict, for counts and cross-references) that keeps the
    string cdktf's ``Testing`` matchers read."""

    received: str

    @classmethod
    def of(cls, received: str) -> Synthesized:
        doc = cls(json.loads(received))
        doc.received = received
        return doc


# The matchers (cdktf 0.21) compare dicts partially (the keys given, at any depth), lists
# exactly (same length, item by item in order, each item partially) and scalars strictly
# (True is not 1); tests/constructs/test_matchers.py pins this. They answer only True or
# False, so the helpers below say what was found instead.
_MATCHERS = {
    "resource": Testing.to_have_resource_with_properties,
    "data": Testing.to_have_data_source_with_properties,
}


def _type(rtype) -> str:
    """A Terraform type from its name or its binding class (``KmsKey``)."""
    return rtype if isinstance(rtype, str) else rtype.TF_RESOURCE_TYPE


def _plain(value: Any, path: str = "properties") -> Any:
    """``value`` as the matchers can take it: jsii cannot pass a tuple, and drops a None
    from a map, so that a None would match anything (say an absence on the JSON instead)."""
    if value is None:
        raise TypeError(f"{path} is None, which the matchers ignore")
    if isinstance(value, dict):
        return {key: _plain(item, f"{path}.{key}") for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item, f"{path}[{i}]") for i, item in enumerate(value)]
    return value


def _found(doc: dict, kind: str, rtype: str, properties: dict) -> str:
    """Every ``rtype`` of the stack by logical name, showing the properties asked about."""
    bodies = doc.get(kind, {}).get(rtype, {})
    if not bodies:
        return f"no {rtype} at all"
    lines = [f"{len(bodies)} {rtype} found:"]
    for name, body in bodies.items():
        shown = {key: body[key] for key in properties if key in body} if properties else body
        missing = [key for key in properties if key not in body]
        lines.append(f"  {name}: {json.dumps(shown, default=str)}")
        if missing:
            lines[-1] += f" (no {', '.join(missing)})"
    text = "\n".join(lines)
    return text if len(text) < 6000 else text[:6000] + "\n  ..."


def _check(doc: Synthesized, kind: str, rtype, properties: dict | None, present: bool) -> None:
    __tracebackhide__ = True
    rtype, properties = _type(rtype), _plain(properties or {})
    matched = _MATCHERS[kind](doc.received, rtype, properties)
    if matched != present:
        what = "resource" if kind == "resource" else "data source"
        expected = "a" if present else "no"
        raise AssertionError(
            f"expected {expected} {what} {rtype} with {json.dumps(properties)}; "
            f"{_found(doc, kind, rtype, properties)}"
        )


def assert_resource(doc: Synthesized, rtype, properties: dict | None = None) -> None:
    """Some ``rtype`` resource (a type name or binding class) has ``properties``, by
    ``Testing.to_have_resource_with_properties``; ``provider`` is matched like any other."""
    __tracebackhide__ = True
    _check(doc, "resource", rtype, properties, True)


def assert_only(doc: Synthesized, rtype, properties: dict) -> dict:
    """The stack has exactly one ``rtype`` resource and it has ``properties``; returns it
    for what a matcher cannot say."""
    __tracebackhide__ = True
    found = only(doc, _type(rtype))
    _check(doc, "resource", rtype, properties, True)
    return found


def assert_no_resource(doc: Synthesized, rtype, properties: dict | None = None) -> None:
    """No ``rtype`` resource has ``properties`` (without them: no ``rtype`` at all)."""
    __tracebackhide__ = True
    _check(doc, "resource", rtype, properties, False)


def assert_data_source(doc: Synthesized, dtype, properties: dict | None = None) -> None:
    """Some ``dtype`` data source has ``properties``, by
    ``Testing.to_have_data_source_with_properties``."""
    __tracebackhide__ = True
    _check(doc, "data", dtype, properties, True)


def assert_no_data_source(doc: Synthesized, dtype, properties: dict | None = None) -> None:
    __tracebackhide__ = True
    _check(doc, "data", dtype, properties, False)


def assert_provider(doc: Synthesized, properties: dict) -> None:
    """Some AWS provider block has ``properties`` (``alias``, ``region``...)."""
    __tracebackhide__ = True
    matched = Testing.to_have_provider_with_properties(doc.received, "aws", _plain(properties))
    assert matched, f"no aws provider with {properties}; found: {doc.get('provider')}"


def assert_terraform_validates(stack_dir: Path, tmp_path: Path) -> None:
    """``terraform validate`` passes on a copy of ``stack_dir``, without warnings."""
    from tools import terraform

    workdir = tmp_path / "stack"
    shutil.copytree(stack_dir, workdir)
    terraform.run(workdir, "init", "-backend=false", "-input=false")
    result = terraform.run(workdir, "validate", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr
