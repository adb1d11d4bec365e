"""A throw-away Prometheus server scraping servicehub's services, with their alert rules.

Why: dashboards and alert rules are only worth something if their queries work against what
the services really export.  ``LocalPrometheus`` runs Debian's ``prometheus`` binary as our
child on 127.0.0.1 (free port), with a config file generated from the scrape targets, and its
TSDB in a temp folder that ``stop()`` removes.  Each service is its own job, named after it, and
has a ``service`` label of the same name: what the Prometheus operator gives a ServiceMonitor's
targets (both are the Kubernetes Service's name), so dashboards and rules see the same labels
here and in Kubernetes.
"""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ._process import LocalServer, free_port

INSTALL_HINT = "apt-get install -y prometheus (Debian/Ubuntu; provides prometheus and promtool)"


def find_prometheus() -> str:
    """Path of the ``prometheus`` binary; raise saying what to install when it is missing."""
    found = shutil.which("prometheus")
    if not found:
        raise RuntimeError(f"prometheus was not found on PATH; install it: {INSTALL_HINT}")
    return found


def scrape_config(
    targets: Mapping[str, str],
    rule_files: Sequence[Path] = (),
    *,
    scrape_interval: str = "5s",
) -> dict[str, Any]:
    """prometheus.yml as a dict: one job per service (``{service: "host:port"}``)."""
    return {
        "global": {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval},
        "rule_files": [str(Path(f).resolve()) for f in rule_files],
        "scrape_configs": [
            {
                "job_name": service,
                "static_configs": [{"targets": [address], "labels": {"service": service}}],
            }
            for service, address in targets.items()
        ],
    }


class LocalPrometheus(LocalServer):
    """Prometheus on 127.0.0.1 scraping ``targets`` (``{service: "host:port"}``).

    After ``start()``: ``url`` (``http://127.0.0.1:<port>``) and ``api(path, **params)`` for
    the HTTP API.  ``stop()`` stops the server and removes its temp folder (config and TSDB).
    Use as a context manager.
    """

    host = "127.0.0.1"

    def __init__(
        self,
        targets: Mapping[str, str],
        *,
        rule_files: Sequence[Path] = (),
        scrape_interval: str = "5s",
        port: int | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        if not targets:
            raise ValueError("LocalPrometheus needs at least one scrape target")
        super().__init__(startup_timeout)
        self.targets = dict(targets)
        self.rule_files = list(rule_files)
        self.scrape_interval = scrape_interval
        self._want_port = port
        self.port: int | None = None
        self.base_dir: Path | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("LocalPrometheus is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        assert self.base_dir is not None
        return self.base_dir / "prometheus.log"

    def _prepare(self) -> list[str]:
        """Write the config into a new temp folder; the TSDB goes there too."""
        binary = find_prometheus()
        self.base_dir = self._make_temp_dir("servicehub-prometheus-")
        config = self.base_dir / "prometheus.yml"
        # JSON is YAML: no YAML library needed to write the config.
        config.write_text(
            json.dumps(
                scrape_config(self.targets, self.rule_files, scrape_interval=self.scrape_interval),
                indent=2,
            )
        )
        self.port = self._want_port or free_port()
        return [binary, f"--config.file={config}",
                f"--storage.tsdb.path={self.base_dir / 'data'}",
                f"--web.listen-address={self.host}:{self.port}",
                "--storage.tsdb.retention.time=1d"]  # fmt: skip

    def _what(self) -> str:
        return f"Prometheus on {self.url}"

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def api(self, path: str, **params: str) -> Any:
        """GET ``/api/v1/<path>`` and return its ``data``; raise with Prometheus' error text
        (a bad query is answered 400 with ``status: error``)."""
        query = urllib.parse.urlencode(params)
        url = f"{self.url}/api/v1/{path}" + (f"?{query}" if query else "")
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                body = json.load(response)
        except urllib.error.HTTPError as error:
            body = json.load(error)
        if body.get("status") != "success":
            raise PrometheusError(f"{path} {params}: {body.get('errorType')}: {body.get('error')}")
        return body["data"]


class PrometheusError(RuntimeError):
    """Prometheus answered a query or API call with an error."""
