"""The generated Grafana dashboards: consistent with the provisioning files, and the staleness
check catches a hand edit (`make dashboards-check`, in `make test`, runs it on the committed
files). Their queries run against a real Prometheus in tests/integration/test_dashboards.py."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
KNOWN_VARIABLES = {"service", "__rate_interval"}


def load_generator():
    spec = importlib.util.spec_from_file_location("dashboards", ROOT / "tools" / "dashboards.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def panels(path: Path) -> list[dict]:
    return [p for p in json.loads(path.read_text())["panels"] if p["type"] != "row"]


def test_every_panel_queries_the_provisioned_datasource_with_known_variables():
    provisioned = yaml.safe_load((GRAFANA / "provisioning/datasources/servicehub.yml").read_text())
    uid = provisioned["datasources"][0]["uid"]
    assert DASHBOARDS
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        for variable in dashboard.get("templating", {}).get("list", []):
            assert variable["datasource"]["uid"] == uid, (path.name, variable["name"])
        for panel in panels(path):
            assert panel["datasource"] == {"type": "prometheus", "uid": uid}, panel["title"]
            assert panel["targets"], f"{path.name}: panel {panel['title']!r} has no query"
            for target in panel["targets"]:
                used = set(re.findall(r"\$(\w+)", target["expr"]))
                assert used <= KNOWN_VARIABLES, (panel["title"], used - KNOWN_VARIABLES)


def test_dashboard_uids_and_panel_titles_are_unique():
    uids = [json.loads(p.read_text())["uid"] for p in DASHBOARDS]
    assert len(set(uids)) == len(uids)
    for path in DASHBOARDS:
        titles = [p["title"] for p in panels(path)]
        assert len(set(titles)) == len(titles), path.name


def test_check_mode_fails_on_a_stale_or_extra_file(tmp_path, monkeypatch, capsys):
    generator = load_generator()
    monkeypatch.setattr(generator, "OUT", tmp_path)
    assert generator.main([]) == 0
    assert generator.main(["--check"]) == 0
    written = next(tmp_path.glob("*.json"))
    written.write_text(written.read_text().replace("Consumer lag", "Lag"))
    assert generator.main(["--check"]) == 1
    assert written.name in capsys.readouterr().err
    assert generator.main([]) == 0
    (tmp_path / "hand-made.json").write_text("{}")
    assert generator.main(["--check"]) == 1
    assert generator.main([]) == 0
    assert not (tmp_path / "hand-made.json").exists()

