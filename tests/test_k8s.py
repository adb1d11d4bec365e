"""deploy/k8s: every overlay renders and validates, and says what the code and contracts say.

The first test runs `tools/k8s-check` (generated manifests up to date, kustomize + kubeconform
strict against the pinned schemas); the others read the rendered overlays themselves.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from servicehub_businesstime import BusinessCalendar

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy/k8s"
OVERLAYS = sorted(p.name for p in (K8S / "overlays").iterdir())
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if p.is_dir())


def k8s_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "tools/k8s-check"), *args], cwd=ROOT, capture_output=True, text=True
    )


@cache
def go_bin() -> Path:
    """Where tools/k8s-check installs kustomize and kubeconform (`go env GOPATH`/bin)."""
    prepared = k8s_check("--prepare")
    assert prepared.returncode == 0, prepared.stdout + prepared.stderr
    gopath = subprocess.run(["go", "env", "GOPATH"], capture_output=True, text=True, check=True)
    return Path(gopath.stdout.strip()) / "bin"


def tool(name: str) -> str:
    return str(go_bin() / name)


@cache
def rendered(overlay: str) -> tuple[dict[str, Any], ...]:
    out = subprocess.run(
        [tool("kustomize"), "build", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=True,
    )
    return tuple(doc for doc in yaml.safe_load_all(out.stdout) if doc)


def of_kind(overlay: str, kind: str) -> list[dict[str, Any]]:
    return [doc for doc in rendered(overlay) if doc["kind"] == kind]


def test_k8s_check_passes() -> None:
    result = k8s_check()
    assert result.returncode == 0, result.stdout + result.stderr
    summaries = re.findall(
        r"Summary: (\d+) resources .* Invalid: (\d+), Errors: (\d+)", result.stdout
    )
    assert len(summaries) == len(OVERLAYS)
    for resources, invalid, errors in summaries:
        assert int(resources) > 0 and invalid == errors == "0", result.stdout


def test_strict_validation_rejects_what_the_cluster_would_reject(tmp_path: Path) -> None:
    """A misspelt field or a wrong value in a built-in kind and in each operator's kind fails."""
    wrong = {
        ("Deployment", "intake"): ("spec", "template", "spec", "containers", 0, "readinessProbe"),
        ("KafkaTopic", "intake.ticket-opened.v1"): ("spec",),
        ("Cluster", "servicehub-db"): ("spec",),
        ("ServiceMonitor", "servicehub"): ("spec", "endpoints", 0),
    }
    dev = copy.deepcopy(rendered("dev"))  # the render is cached for the other tests
    documents = []
    for doc in dev:
        path = wrong.get((doc["kind"], doc["metadata"]["name"]))
        if path is not None:
            target = doc
            for step in path:
                target = target[step]
            target["unknownField"] = 1
            documents.append(doc)
    user = next(d for d in dev if d["kind"] == "KafkaUser" and d["metadata"]["name"] == "sla")
    user["spec"]["authorization"]["acls"][0]["operations"] = ["Everything"]
    documents.append(user)
    manifest = tmp_path / "wrong.yaml"
    manifest.write_text(yaml.safe_dump_all(documents))
    schemas = ROOT / os.environ.get("K8S_CACHE", ".cache/k8s") / "schemas"
    result = subprocess.run(
        [
            tool("kubeconform"),
            "-strict",
            "-summary",
            "-schema-location",
            f"{schemas}/{{{{ .Group }}}}/{{{{ .ResourceKind }}}}_{{{{ .ResourceAPIVersion }}}}.json",
            str(manifest),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert f"Invalid: {len(wrong) + 1}, Errors: 0" in result.stdout, result.stdout
    assert "'Everything'" not in result.stdout and "value must be one of" in result.stdout


def proto_topics() -> set[str]:
    """Read from proto/ text, independently of the generator's way through the descriptors."""
    declared = re.compile(
        r"option\s+\((?:servicehub\.events\.v1\.)?channel\)\s*=\s*\{\s*topic:\s*\"([^\"]+)\""
    )
    return {t for f in (ROOT / "proto").rglob("*.proto") for t in declared.findall(f.read_text())}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_topic_in_proto_and_every_dead_letter_topic_has_a_kafka_topic(overlay: str) -> None:
    topics = {t["spec"]["topicName"] for t in of_kind(overlay, "KafkaTopic")}
    assert len(proto_topics()) >= 9  # the regex still finds the declarations
    missing = (proto_topics() | {f"{s}.dead-letter.v1" for s in SERVICES}) - topics
    assert not missing, f"no KafkaTopic for {sorted(missing)}: run uv run python tools/k8sgen.py"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_writes_its_own_topics_only(overlay: str) -> None:
    users = {u["metadata"]["name"]: u for u in of_kind(overlay, "KafkaUser")}
    topics = {t["spec"]["topicName"] for t in of_kind(overlay, "KafkaTopic")}
    for service in SERVICES:
        acls = users[service]["spec"]["authorization"]["acls"]
        for acl in acls:
            assert acl["resource"]["patternType"] == "literal"
            assert "Create" not in acl["operations"] and "All" not in acl["operations"]
            if acl["resource"]["type"] == "topic":
                assert acl["resource"]["name"] in topics
                if "Write" in acl["operations"]:
                    assert acl["resource"]["name"].startswith(f"{service}."), acl
            elif acl["resource"]["type"] == "transactionalId":  # the relay's fencing token
                assert acl["resource"]["name"] == f"outbox-relay:/servicehub/{service}"
                assert acl["operations"] == ["Describe", "Write"]
            else:
                assert acl["resource"] == {
                    "type": "group",
                    "name": service,
                    "patternType": "literal",
                }
        written = {a["resource"]["name"] for a in acls if "Write" in a["operations"]}
        assert f"{service}.dead-letter.v1" in written
        assert f"outbox-relay:/servicehub/{service}" in written


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_runs_twice_with_grpc_probes_metrics_and_resources(overlay: str) -> None:
    deployments = {d["metadata"]["name"]: d for d in of_kind(overlay, "Deployment")}
    assert sorted(deployments) == SERVICES
    budgets = {b["metadata"]["name"]: b for b in of_kind(overlay, "PodDisruptionBudget")}
    services = {s["metadata"]["name"]: s for s in of_kind(overlay, "Service")}
    for name, deployment in deployments.items():
        spec = deployment["spec"]
        assert spec["replicas"] == 2
        # A rollout starts the new pod before it stops an old one; drains keep one ready.
        assert spec["strategy"] == {
            "type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}
        }
        assert budgets[name]["spec"]["minAvailable"] == 1
        assert budgets[name]["spec"]["selector"] == spec["selector"]
        [container] = spec["template"]["spec"]["containers"]
        assert re.fullmatch(rf"servicehub/{name}:[\w.-]+", container["image"])
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container[probe]["grpc"] == {"port": ports["grpc"]}
        assert {p["name"] for p in services[name]["spec"]["ports"]} == {"grpc", "metrics"}
        resources = container["resources"]
        assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}
        env = {e["name"]: e for e in container["env"]}
        assert env[f"{name.upper()}_POSTGRES_SCHEMA"]["value"] == name
        assert env[f"{name.upper()}_POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_replicas_share_a_postgresql_store_as_dynamic_group_members(overlay: str) -> None:
    """Several instances need PostgreSQL (on SQLite a second one stops at start-up), and a
    Deployment's pod names change on every restart, so no static group membership: a
    departed static member would keep its partitions until its session timeout."""
    [runtime] = [  # prod's name carries a content hash
        c for c in of_kind(overlay, "ConfigMap") if c["metadata"]["name"].startswith("servicehub-runtime")
    ]
    assert runtime["data"]["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert "KAFKA_GROUP_INSTANCE_ID" not in runtime["data"]
    for deployment in of_kind(overlay, "Deployment"):
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        assert "KAFKA_GROUP_INSTANCE_ID" not in {e["name"] for e in container["env"]}
        # Read models are files of the pod's own (rebuilt from the store), never shared.
        volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
        assert volumes["data"] == {"name": "data", "emptyDir": {}}


def test_dev_references_only_secrets_and_config_maps_it_has_or_an_operator_makes() -> None:
    made = {d["metadata"]["name"] for d in rendered("dev") if d["kind"] in ("Secret", "ConfigMap")}
    made |= {u["metadata"]["name"] for u in of_kind("dev", "KafkaUser")}  # Strimzi's user secrets
    for deployment in of_kind("dev", "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        [container] = pod["containers"]
        names = [
            e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"] if "valueFrom" in e
        ]
        names += [source["configMapRef"]["name"] for source in container["envFrom"]]
        names += [
            v["configMap"]["name"]
            for v in pod["volumes"]
            if "configMap" in v and not v["configMap"].get("optional")
        ]
        assert set(names) <= made, sorted(set(names) - made)
    roles = of_kind("dev", "Cluster")[0]["spec"]["managed"]["roles"]
    assert {r["passwordSecret"]["name"] for r in roles} <= made


def runtime_config(overlay: str) -> dict[str, str]:
    [config_map] = [
        c for c in of_kind(overlay, "ConfigMap") if c["metadata"]["name"].startswith("servicehub-runtime")
    ]
    return config_map["data"]


def test_prod_verifies_tokens_and_encrypts_and_dev_says_it_does_not_verify() -> None:
    """The services refuse to start without these, so an overlay must not lose them."""
    assert "AUTH_MODE" not in runtime_config("prod")  # the default: JWT
    assert runtime_config("dev")["AUTH_MODE"] == "disabled"
    for overlay in ("dev", "prod"):
        for deployment in of_kind(overlay, "Deployment"):
            name = deployment["metadata"]["name"]
            pod = deployment["spec"]["template"]["spec"]
            env = {e["name"]: e for e in pod["containers"][0]["env"]}
            assert env["CIPHER_KEY"]["valueFrom"]["secretKeyRef"]["name"] == f"servicehub-cipher-{name}"
            mounted = {m["name"]: m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
            assert env["AUTH_JWKS_FILE"]["value"] == f"{mounted['auth']}/jwks.json"
            assert {"name": "servicehub-auth", "optional": True} in [
                v.get("configMap") for v in pod["volumes"]
            ]


def test_the_business_calendar_override_is_a_valid_calendar_file() -> None:
    [config_map] = [
        c
        for c in of_kind("prod", "ConfigMap")
        if c["metadata"]["name"].startswith("business-calendar")
    ]
    [(file_name, text)] = config_map["data"].items()
    mounted = {
        e["value"]
        for d in of_kind("prod", "Deployment")
        for e in d["spec"]["template"]["spec"]["containers"][0]["env"]
        if e["name"] == "BUSINESS_CALENDAR_OVERRIDE"
    }
    assert mounted == {f"/etc/servicehub/{file_name}"}
    path = ROOT / "deploy/k8s/base/generated" / file_name
    assert path.read_text() == text
    assert BusinessCalendar.load(path).horizon == BusinessCalendar.load(None).horizon


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_sla_takes_its_alert_settings_from_an_optional_config_map_and_secret(overlay: str) -> None:
    [sla] = [d for d in of_kind(overlay, "Deployment") if d["metadata"]["name"] == "sla"]
    [container] = sla["spec"]["template"]["spec"]["containers"]
    assert {"configMapRef": {"name": "servicehub-sla-alerts", "optional": True}} in container["envFrom"]
    password = {e["name"]: e for e in container["env"]}["SLA_SMTP_PASSWORD"]
    assert password["valueFrom"]["secretKeyRef"] == {"name": "servicehub-sla-smtp", "key": "password", "optional": True}
    others = [d for d in of_kind(overlay, "Deployment") if d["metadata"]["name"] != "sla"]
    assert not any("SLA_SMTP_PASSWORD" in str(d) for d in others)
