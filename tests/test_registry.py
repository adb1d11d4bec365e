"""servicehub_registry names every service once: it must agree with what each service's code
declares (read as tools/k8sgen.py reads it: the process's own definition and settings), with
the contracts, with the folders in services/, and with the README's table."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from servicehub_registry import REGISTRY, SERVICES, service

ROOT = Path(__file__).resolve().parent.parent


def load_k8sgen():
    spec = importlib.util.spec_from_file_location("k8sgen", ROOT / "tools" / "k8sgen.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def declared():
    """Each service as its `main()` builds it, with default settings."""
    return {s.name: s for s in load_k8sgen().read_services()}


def test_every_service_folder_is_registered_once() -> None:
    folders = sorted(p.name for p in (ROOT / "services").iterdir() if p.is_dir())
    assert sorted(SERVICES) == folders
    assert len(set(SERVICES)) == len(SERVICES)
    ports = [port for entry in REGISTRY for port in (entry.grpc_port, entry.metrics_port)]
    assert len(set(ports)) == len(ports), "two services share a default port"


def test_the_services_code_declares_what_the_registry_says(declared) -> None:
    for entry in REGISTRY:
        code = declared[entry.name]
        assert (code.grpc_port, code.metrics_port) == (entry.grpc_port, entry.metrics_port), entry.name
        assert code.consumes == tuple(sorted(entry.consumes)), entry.name
        assert code.publishes == tuple(sorted(entry.publishes)), entry.name


def test_each_grpc_service_exists_in_the_contracts() -> None:
    for entry in REGISTRY:
        module = importlib.import_module(f"servicehub.{entry.name}.v1.{entry.name}_pb2")
        package, name = entry.grpc_service.rsplit(".", 1)
        assert module.DESCRIPTOR.package == package, entry.name
        assert name in module.DESCRIPTOR.services_by_name, entry.name


def test_an_unknown_name_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown service 'crm'; choose from intake, sla, certification, billing"):
        service("crm")


def topics(cell: str) -> tuple[str, ...]:
    """`intake.{application,ticket}-requests.v1` and plain `a`, `b` as topic names."""
    names = []
    for quoted in re.findall(r"`([^`]+)`", cell):
        braces = re.fullmatch(r"(.*)\{(.*)\}(.*)", quoted)
        if braces:
            head, alternatives, tail = braces.groups()
            names += [f"{head}{alternative}{tail}" for alternative in alternatives.split(",")]
        else:
            names.append(quoted)
    return tuple(sorted(names))


def test_the_readme_table_says_what_the_registry_says() -> None:
    readme = (ROOT / "README.md").read_text()
    rows = re.findall(r"^\| (\w+) \| 127\.0\.0\.1:(\d+) `([\w.]+)` \| :(\d+) \| (.+) \| (.+) \|$",
                      readme, flags=re.MULTILINE)
    table = {name: (int(grpc), grpc_service, int(metrics), topics(consumes), topics(publishes))
             for name, grpc, grpc_service, metrics, consumes, publishes in rows}
    assert table == {
        e.name: (e.grpc_port, e.grpc_service, e.metrics_port, tuple(sorted(e.consumes)),
                 tuple(sorted(e.publishes)))
        for e in REGISTRY
    }
