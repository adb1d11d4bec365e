"""Helpers for the local servers' processes."""

from __future__ import annotations

from servicehub_localinfra._process import free_port


def test_free_port_never_hands_out_the_same_port_twice():
    """Ports are picked back to back and bound later; the OS alone may offer one twice
    (500 picks from ~28,000 ephemeral ports nearly always repeat one)."""
    ports = [free_port() for _ in range(500)]
    assert len(set(ports)) == len(ports)
