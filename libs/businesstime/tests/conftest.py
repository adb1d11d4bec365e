"""Shared fixtures for the business-time tests (no __init__.py: pytest runs with
--import-mode=importlib)."""

from __future__ import annotations

from pathlib import Path

import pytest

from servicehub_businesstime import BusinessCalendar

FIXTURES = Path(__file__).parent / "fixtures"
OVERRIDE_2027 = FIXTURES / "override-2027-TEST-DATA.toml"


@pytest.fixture(scope="session")
def cal() -> BusinessCalendar:
    return BusinessCalendar.load()


@pytest.fixture(scope="session")
def cal2027() -> BusinessCalendar:
    return BusinessCalendar.load(override_path=OVERRIDE_2027)
