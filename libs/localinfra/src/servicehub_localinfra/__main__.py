"""Command line: run local infrastructure in the foreground, or warm the Kafka jar cache.

    python -m servicehub_localinfra kafka [--data-dir DIR] [--port N]
    python -m servicehub_localinfra postgres
    python -m servicehub_localinfra prometheus --target intake=127.0.0.1:9101 [...] [--rules FILE ...]
    python -m servicehub_localinfra fetch-kafka

``kafka``/``postgres``/``prometheus`` print ``KAFKA_BOOTSTRAP_SERVERS=...``/``DATABASE_URL=...``/
``PROMETHEUS_URL=...`` on stdout once ready and run until Ctrl-C or SIGTERM, then stop the server
and remove its temp folder.
``fetch-kafka`` only fills the cache (CI runs it before the tests) and prints its path.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time

from .kafka import LocalKafka
from .kafka_jars import KAFKA_VERSION, fetch_kafka
from .postgres import LocalPostgres
from .prometheus import LocalPrometheus


def _stop_on_sigterm_and_sigint() -> None:
    """SIGTERM and SIGINT (Ctrl-C) leave the ``with`` block, which stops the server."""

    def handler(*_: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not cut stop() short
        sys.exit(0)

    signal.signal(signal.SIGTERM, handler)
    # Ctrl-C stops the server even when a script started us in the background, where
    # non-interactive shells leave SIGINT ignored (and Python then keeps it ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _serve(server, what: str, ready_line) -> int:
    """Start ``server``, print ``ready_line(server)`` on stdout, block until stopped."""
    started = time.monotonic()
    with server:
        print(ready_line(server), flush=True)
        print(
            f"{what} ready in {time.monotonic() - started:.1f}s (pid {server.pid}); "
            f"log: {server.log_path}; Ctrl-C to stop",
            file=sys.stderr,
            flush=True,
        )
        while server.running:
            time.sleep(0.5)
        print(f"{what} exited by itself; see {server.log_path}", file=sys.stderr)
        return 1


def _target(value: str) -> tuple[str, str]:
    service, _, address = value.partition("=")
    host, _, port = address.rpartition(":")
    if not (service and host and port.isdigit()):
        raise argparse.ArgumentTypeError(f"{value!r}: expected SERVICE=HOST:PORT")
    return service, address


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m servicehub_localinfra")
    sub = parser.add_subparsers(dest="command", required=True)
    kafka = sub.add_parser("kafka", help="run a single-node Kafka broker in the foreground")
    kafka.add_argument("--data-dir", help="keep broker data here (default: temp, removed)")
    kafka.add_argument("--port", type=int, help="broker port on 127.0.0.1 (default: free port)")
    kafka.add_argument("--version", default=KAFKA_VERSION, help="Kafka version")
    sub.add_parser("postgres", help="run a throw-away PostgreSQL in the foreground")
    prometheus = sub.add_parser("prometheus", help="run a throw-away Prometheus in the foreground")
    prometheus.add_argument(
        "--target", action="append", required=True, type=_target, metavar="SERVICE=HOST:PORT",
        help="a service's metrics address to scrape (repeat for each service)",
    )  # fmt: skip
    prometheus.add_argument("--rules", action="append", default=[], help="a rule file to load")
    prometheus.add_argument("--port", type=int, help="port on 127.0.0.1 (default: free port)")
    prometheus.add_argument("--scrape-interval", default="5s", help="e.g. 5s")
    fetch = sub.add_parser("fetch-kafka", help="only fetch the Kafka jars into the cache")
    fetch.add_argument("--version", default=KAFKA_VERSION, help="Kafka version")
    args = parser.parse_args(argv)

    try:
        if args.command == "fetch-kafka":
            started = time.monotonic()
            print(fetch_kafka(args.version))
            print(f"took {time.monotonic() - started:.1f}s", file=sys.stderr)
            return 0
        _stop_on_sigterm_and_sigint()
        if args.command == "kafka":
            broker = LocalKafka(args.data_dir, version=args.version, port=args.port)
            line = lambda k: f"KAFKA_BOOTSTRAP_SERVERS={k.bootstrap_servers}"  # noqa: E731
            return _serve(broker, f"Kafka {args.version}", line)
        if args.command == "prometheus":
            server = LocalPrometheus(
                dict(args.target),
                rule_files=args.rules,
                port=args.port,
                scrape_interval=args.scrape_interval,
            )
            return _serve(server, "Prometheus", lambda p: f"PROMETHEUS_URL={p.url}")
        return _serve(LocalPostgres(), "PostgreSQL", lambda pg: f"DATABASE_URL={pg.dsn}")
    except KeyboardInterrupt:
        return 0
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
