"""What the API server would accept: validators for the official Kubernetes OpenAPI schemas
(as JSON Schema, from the `kubernetes-validate` package) and for CRDs' published schemas
(kept in tests/schemas/crds).

Strict everywhere: a field the schema does not know is an error, as kubectl's default
(strict server-side field validation) makes it; for a CRD the API server would otherwise
prune it silently, which for podwarden's output would be a bug just the same.

``kubernetes_validate.validate`` reads the 1.3 MB definitions file and builds a validator
for every object; ``problems`` builds one per (version, apiVersion, kind) from the same
files with the same JSON Schema draft and registry, and keeps it (test_schemas checks that
both agree).  Not evaluated: CEL rules (``x-kubernetes-validations``) and the API server's
own Go validation beyond the schema (e.g. DNS-1123 names, which podwarden's tests cover).
"""

from __future__ import annotations

import copy
import functools
import importlib.resources
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml
from referencing import Registry, Resource

#: the Kubernetes minors podwarden's output is checked against: from v1.30 (the oldest with
#: the lifecycle `sleep` action that deploy/ uses on by default; AKS's oldest supported
#: minors are here) to v1.37, the newest podwarden's rules know.
SUPPORTED = tuple(f"1.{minor}" for minor in range(30, 38))
#: the oldest and newest: enough where many objects are checked (a field that the schemas
#: lose and regain in between would go unseen, which the deploy/ test covers exactly)
BOUNDS = (SUPPORTED[0], SUPPORTED[-1])

CRDS = Path(__file__).resolve().parent / "crds"
DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json"
OBJECT_META = DEFINITIONS_ID + "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


class NoSchema(Exception):
    """No schema for this apiVersion and kind (in this Kubernetes version)."""


def schema_dir(version: str) -> Any:
    return importlib.resources.files("kubernetes_validate") / "kubernetes-json-schema" / f"v{version}.0-local-strict"


def schema_file_name(api_version: str, kind: str) -> str:
    """kubernetes-validate's file naming: ``rbac.authorization.k8s.io/v1`` ClusterRole ->
    ``clusterrole-rbac-v1.json``."""
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return f"{kind.lower()}-{api}.json"


@functools.cache
def _registry(version: str) -> Registry[Any]:
    definitions = json.loads((schema_dir(version) / "_definitions.json").read_text())
    return Resource.from_contents(definitions) @ Registry()


# -- CRDs ---------------------------------------------------------------------------------------


def _crd_node(node: Any) -> Any:
    """An openAPIV3Schema node as JSON Schema 2020-12, objects closed to unknown fields."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties"):
            out[key] = {name: _crd_node(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            out[key] = _crd_node(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [_crd_node(sub) for sub in value]
        elif key in ("type", "required", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                     "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems",
                     "minProperties", "maxProperties", "multipleOf"):
            out[key] = value
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if (out.get("type") == "object" and "properties" in out and "additionalProperties" not in out
            and not node.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


@functools.cache
def crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) -> JSON Schema, for every served version of the CRDs kept here."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(CRDS.glob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text()):
            if not crd:
                continue
            spec = crd["spec"]
            for version in spec["versions"]:
                if not version.get("served"):
                    continue
                api_version = f"{spec['group']}/{version['name']}"
                schema = _crd_node(copy.deepcopy(version["schema"]["openAPIV3Schema"]))
                schema["properties"]["apiVersion"] = {"type": "string", "enum": [api_version]}
                schema["properties"]["kind"] = {"type": "string", "enum": [spec["names"]["kind"]]}
                schema["properties"]["metadata"] = {"$ref": OBJECT_META}
                schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind"})
                schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
                out[(api_version, spec["names"]["kind"])] = schema
    return out


# -- validation -----------------------------------------------------------------------------------


@functools.cache
def validator(version: str, api_version: str, kind: str) -> jsonschema.protocols.Validator:
    if (api_version, kind) in crd_schemas():
        schema = crd_schemas()[(api_version, kind)]
    else:
        path = schema_dir(version) / schema_file_name(api_version, kind)
        if not path.is_file():
            raise NoSchema(f"no schema for {api_version} {kind} in Kubernetes v{version}")
        schema = json.loads(path.read_text())
    registry = _registry(version)
    if "$id" in schema:
        registry = Resource.from_contents(schema) @ registry
    return jsonschema.Draft202012Validator(schema, registry=registry)


def problems(obj: dict[str, Any], version: str) -> list[str]:
    """Why the API server of Kubernetes ``version`` would reject ``obj`` (empty: it accepts it)."""
    check = validator(version, obj["apiVersion"], obj["kind"])
    return [f"{'.'.join(map(str, e.absolute_path)) or '(object)'}: {e.message[:300]}"
            for e in sorted(check.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path)))]


def valid(obj: dict[str, Any], version: str) -> bool:
    return bool(validator(version, obj["apiVersion"], obj["kind"]).is_valid(obj))


def has_schema(obj: Any, version: str) -> bool:
    if not (isinstance(obj, dict) and isinstance(obj.get("apiVersion"), str) and isinstance(obj.get("kind"), str)):
        return False
    try:
        validator(version, obj["apiVersion"], obj["kind"])
    except NoSchema:
        return False
    return True


def upstream_problem(obj: dict[str, Any], version: str) -> str | None:
    """kubernetes-validate's own verdict (strict), for comparison: None when it accepts."""
    try:
        kubernetes_validate.validate(obj, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        return str(exc.message)
    return None


#: libyaml's safe loader where PyYAML has it (several times faster), else PyYAML's
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def documents(text: str) -> Iterator[Any]:
    """The documents of a YAML text, as PyYAML's safe loader reads them (empty ones left out)."""
    yield from (d for d in yaml.load_all(text, Loader=SAFE_LOADER) if d is not None)
