"""Builds the JSON schemas kubeconform validates deploy/k8s against, offline, at pinned versions.

  python tools/k8s_schemas.py CACHE_DIR    writes CACHE_DIR/schemas/<group>/<kind>_<version>.json

Sources (package registries only, no downloads from project sites):
- Kubernetes built-in kinds: the OpenAPI v3 documents in the k8s.io/kubernetes Go module;
- CloudNativePG and the Prometheus operator: the CRDs in their Go modules;
- Strimzi: its CRDs are not shipped in a package, so they are generated from the `io.strimzi:api`
  jar of the release with that release's own `io.strimzi:crd-generator` (both on Maven Central),
  as Strimzi's build does.
Schemas are strict like kubeconform's own: an object with declared properties allows no other
(unless the CRD says `x-kubernetes-preserve-unknown-fields`). A stamp file records the versions;
a second run with the same pins does nothing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

KUBERNETES = "v1.34.2"
CLOUDNATIVE_PG = "v1.27.1"
PROMETHEUS_OPERATOR = "v0.85.0"
STRIMZI = "0.45.0"
PINS = (
    f"kubernetes {KUBERNETES}, cloudnative-pg {CLOUDNATIVE_PG}, "
    f"prometheus-operator {PROMETHEUS_OPERATOR}, strimzi {STRIMZI}, format 2\n"
)

# Built-in API group-versions whose kinds get schemas (OpenAPI v3 document names).
KUBERNETES_DOCUMENTS = [
    "api__v1",
    "apis__apps__v1",
    "apis__policy__v1",
    "apis__batch__v1",
    "apis__networking.k8s.io__v1",
    "apis__autoscaling__v2",
    "apis__rbac.authorization.k8s.io__v1",
]
STRIMZI_KINDS = {
    "Kafka": "io.strimzi.api.kafka.model.kafka.Kafka",
    "KafkaNodePool": "io.strimzi.api.kafka.model.nodepool.KafkaNodePool",
    "KafkaTopic": "io.strimzi.api.kafka.model.topic.KafkaTopic",
    "KafkaUser": "io.strimzi.api.kafka.model.user.KafkaUser",
    "KafkaConnect": "io.strimzi.api.kafka.model.connect.KafkaConnect",
    "KafkaConnector": "io.strimzi.api.kafka.model.connector.KafkaConnector",
    "KafkaBridge": "io.strimzi.api.kafka.model.bridge.KafkaBridge",
    "KafkaMirrorMaker2": "io.strimzi.api.kafka.model.mirrormaker2.KafkaMirrorMaker2",
    "KafkaRebalance": "io.strimzi.api.kafka.model.rebalance.KafkaRebalance",
}
STRIMZI_POM = f"""<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>servicehub</groupId><artifactId>strimzi-crds</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>io.strimzi</groupId><artifactId>api</artifactId>
      <version>{STRIMZI}</version></dependency>
    <dependency><groupId>io.strimzi</groupId><artifactId>crd-generator</artifactId>
      <version>{STRIMZI}</version></dependency>
  </dependencies>
</project>
"""


class CrdLoader(yaml.CSafeLoader):
    """YAML 1.1 reads a bare `=` as the obscure "value" tag; in a CRD enum it is a string."""


CrdLoader.add_constructor(
    "tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node)
)


def run(*command: str, cwd: Path | None = None) -> str:
    tool = shutil.which(command[0])
    if tool is None:
        sys.exit(f"k8s schemas: '{command[0]}' is missing: run .ci/run's installs or make setup")
    result = subprocess.run([tool, *command[1:]], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        output = (result.stdout + result.stderr)[-4000:]
        sys.exit(f"k8s schemas: {' '.join(command)} failed:\n{output}")
    return result.stdout


def go_module(path: str, version: str) -> Path:
    return Path(json.loads(run("go", "mod", "download", "-json", f"{path}@{version}"))["Dir"])


def strict(schema: Any) -> Any:
    """The schema with kubeconform's strictness and without OpenAPI-only keywords."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: strict(value) for key, value in schema.items()}
    if out.pop("x-kubernetes-int-or-string", False):
        out.pop("type", None)
        out.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
    if out.pop("nullable", False) and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if (
        out.get("type") == "object"
        and "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def write(root: Path, group: str, kind: str, version: str, schema: dict[str, Any]) -> None:
    # kubeconform's {{.Group}} is the part of apiVersion before "/": for the core group
    # (apiVersion "v1") that is the version itself.
    folder = root / (group or version)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{kind.lower()}_{version}.json").write_text(json.dumps(strict(schema)))


def kubernetes_schemas(root: Path) -> list[str]:
    documents = go_module("k8s.io/kubernetes", KUBERNETES) / "api/openapi-spec/v3"
    written = []
    for name in KUBERNETES_DOCUMENTS:
        components = json.loads((documents / f"{name}_openapi.json").read_text())["components"]
        definitions = components["schemas"]
        for key, definition in definitions.items():
            for gvk in definition.get("x-kubernetes-group-version-kind", []):
                if key.endswith("List") or gvk["kind"] in ("DeleteOptions", "WatchEvent", "Status"):
                    continue
                # References stay "#/components/schemas/...": the document carries what it uses.
                schema = {**definition, "components": {"schemas": reachable(definitions, key)}}
                write(root, gvk["group"], gvk["kind"], gvk["version"], schema)
                written.append(f"{gvk['group'] or 'core'}/{gvk['version']} {gvk['kind']}")
    return written


def reachable(definitions: dict[str, Any], start: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    pending = [start]
    while pending:
        key = pending.pop()
        if key in found:
            continue
        found[key] = definitions[key]
        pending += refs(definitions[key])
    return found


def refs(schema: Any) -> list[str]:
    if isinstance(schema, dict):
        own = [schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else []
        return own + [r for value in schema.values() for r in refs(value)]
    if isinstance(schema, list):
        return [r for item in schema for r in refs(item)]
    return []


def crd_schemas(root: Path, files: list[Path]) -> list[str]:
    written = []
    for path in files:
        for crd in yaml.load_all(path.read_text(), Loader=CrdLoader):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                if version.get("served", True) and "schema" in version:
                    write(root, group, kind, version["name"], version["schema"]["openAPIV3Schema"])
                    written.append(f"{group}/{version['name']} {kind}")
    return written


def strimzi_crds(work: Path) -> list[Path]:
    """Strimzi's CRDs, generated as its release build does (see the api module's pom)."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "pom.xml").write_text(STRIMZI_POM)
    run(
        "mvn",
        "-B",
        "-q",
        "-Dstyle.color=never",
        "dependency:copy-dependencies",
        "-DoutputDirectory=libs",
        cwd=work,
    )
    out = work / "crds"
    out.mkdir(exist_ok=True)
    targets = [f"{cls}={out / kind}.yaml" for kind, cls in STRIMZI_KINDS.items()]
    run(
        "java",
        "-cp",
        str(work / "libs") + "/*",
        "io.strimzi.crdgenerator.CrdGenerator",
        "--crd-api-version",
        "v1",
        "--api-versions",
        "v1beta2",
        "--storage-version",
        "v1beta2",
        "--yaml",
        *targets,
    )
    return sorted(out.glob("*.yaml"))


def main(cache: Path) -> None:
    root = cache / "schemas"
    stamp = root / ".pins"
    if stamp.exists() and stamp.read_text() == PINS:
        return
    shutil.rmtree(root, ignore_errors=True)
    written = kubernetes_schemas(root)
    cnpg = go_module("github.com/cloudnative-pg/cloudnative-pg", CLOUDNATIVE_PG)
    written += crd_schemas(root, sorted((cnpg / "config/crd/bases").glob("*.yaml")))
    prometheus = go_module(
        "github.com/prometheus-operator/prometheus-operator", PROMETHEUS_OPERATOR
    )
    written += crd_schemas(
        root, sorted((prometheus / "example/prometheus-operator-crd").glob("*.yaml"))
    )
    written += crd_schemas(root, strimzi_crds(cache / "strimzi"))
    stamp.write_text(PINS)
    print(f"k8s schemas: {len(written)} kinds at {PINS.strip()}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
