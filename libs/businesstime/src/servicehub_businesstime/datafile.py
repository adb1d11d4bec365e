"""Reading and validating calendar data files (the shipped years and the override file).

Both use one TOML format, documented in README.md ("Calendar data files").  Everything
is checked on load; the first problem raises :class:`CalendarDataError` (or
:class:`OverrideFileError` for the operator file) naming the file and the 1-based line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from servicehub_datafile import KeyLines, decode, parse, read_bytes

from .errors import CalendarDataError

FORMAT = "servicehub.businesstime/1"
STATUSES = ("official", "provisional", "test")
SECTIONS = ("holidays", "days_off", "workdays")
_YEAR_KEYS = frozenset(("source", "status") + SECTIONS)
_MIN_YEAR, _MAX_YEAR = 1949, 2199


@dataclass(frozen=True)
class YearData:
    """One year of calendar data as read from a file."""

    year: int
    source: str
    status: str
    holidays: Mapping[dt.date, str]  # statutory public holidays
    days_off: Mapping[dt.date, str]  # other official weekday rest days
    workdays: Mapping[dt.date, str]  # make-up working days (Saturday/Sunday)
    path: str
    line: int  # line of the year's table header


# --------------------------------------------------------------------------- parsing

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def parse_calendar_text(
    text: str,
    path: str | Path,
    *,
    error: type[CalendarDataError] = CalendarDataError,
    expect_year: int | None = None,
) -> list[YearData]:
    """Parse and validate one calendar file's text; return its years in file order."""
    doc = parse(text, path, error)
    lines = KeyLines(text)

    def fail(table: tuple[str, ...], key: str | None, message: str):
        raise error(path, lines.line_of(table if key is None else (*table, key)), message)

    fmt = doc.get("format")
    if fmt is None:
        fail((), None, f'missing top-level key format = "{FORMAT}"')
    if fmt != FORMAT:
        fail((), "format", f'unsupported format {fmt!r}; expected "{FORMAT}"')

    years: list[YearData] = []
    for key, value in doc.items():
        if key == "format":
            continue
        if not re.fullmatch(r"\d{4}", key):
            fail((), key, f"unexpected top-level key {key!r}: expected format or a year table such as [\"2027\"]")
        year = int(key)
        if not _MIN_YEAR <= year <= _MAX_YEAR:
            fail((key,), None, f"year {year} out of range {_MIN_YEAR}-{_MAX_YEAR}")
        if not isinstance(value, dict):
            fail((), key, f"{key} must be a table of the year's data")
        if expect_year is not None and year != expect_year:
            fail((key,), None, f"this file must hold the year {expect_year} only, found {year}")
        years.append(_parse_year(year, key, value, path, lines, fail))
    if not years:
        fail((), None, "the file defines no year")
    if expect_year is not None and len(years) != 1:
        fail((), None, f"this file must hold the year {expect_year} only")
    return years


def _parse_year(year, key, table, path, lines: KeyLines, fail) -> YearData:
    here = (key,)
    for k in table:
        if k not in _YEAR_KEYS:
            fail(here, k, f"unknown key {k!r} in year {year}; allowed: {', '.join(sorted(_YEAR_KEYS))}")
    source = table.get("source")
    if not isinstance(source, str) or not source.strip():
        fail(here, "source", f"year {year} needs source = \"...\" naming where its data comes from")
    status = table.get("status", "official")
    if status not in STATUSES:
        fail(here, "status", f"status must be one of {', '.join(STATUSES)}; got {status!r}")

    seen: dict[dt.date, str] = {}
    sections: dict[str, dict[dt.date, str]] = {}
    for section in SECTIONS:
        entries = table.get(section, {})
        where = (key, section)
        if not isinstance(entries, dict):
            fail(here, section, f"{section} must be a table of  YYYY-MM-DD = \"name\"  lines")
        parsed: dict[dt.date, str] = {}
        for day_text, name in entries.items():
            if not _DATE.match(day_text):
                fail(where, day_text, f"{day_text!r} is not a date written YYYY-MM-DD")
            try:
                day = dt.date.fromisoformat(day_text)
            except ValueError:
                fail(where, day_text, f"{day_text} is not a valid calendar date")
            if day.year != year:
                fail(where, day_text, f"{day_text} is not in the year {year}")
            if not isinstance(name, str) or not name.strip():
                fail(where, day_text, f"{day_text} needs a name: {day_text} = \"...\"")
            if day in seen:
                fail(where, day_text, f"{day_text} is listed both in {seen[day]} and in {section}")
            weekend = day.weekday() >= 5
            if section == "days_off" and weekend:
                fail(
                    where,
                    day_text,
                    f"{day_text} is a {_WEEKDAY_NAMES[day.weekday()]}, already a rest day; "
                    "days_off lists weekdays only (a statutory holiday on a weekend goes in holidays)",
                )
            if section == "workdays" and not weekend:
                fail(
                    where,
                    day_text,
                    f"{day_text} is a {_WEEKDAY_NAMES[day.weekday()]}, already a working day; "
                    "workdays lists make-up Saturdays and Sundays only",
                )
            seen[day] = section
            parsed[day] = name.strip()
        sections[section] = parsed
    if not sections["holidays"]:
        fail(here, None, f"year {year} lists no statutory holidays; a PRC year always has some")
    return YearData(
        year=year,
        source=source.strip(),
        status=status,
        holidays=MappingProxyType(sections["holidays"]),
        days_off=MappingProxyType(sections["days_off"]),
        workdays=MappingProxyType(sections["workdays"]),
        path=str(path),
        line=lines.line_of(here),
    )


def read_calendar_file(
    path: str | Path,
    *,
    error: type[CalendarDataError] = CalendarDataError,
    expect_year: int | None = None,
) -> tuple[list[YearData], bytes]:
    """Read a file; return its years and its raw bytes (for the content hash)."""
    raw = read_bytes(Path(path), error)
    text = decode(raw, path, error)
    return parse_calendar_text(text, path, error=error, expect_year=expect_year), raw
