"""Reading the rules' TOML data files so that every problem names its file and line."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class RulesDataError(Exception):
    """A rules data file is unreadable or breaks its format; says where, 1-based."""

    def __init__(self, path: str | Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = str(path)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Table:
    """One table of a data file with the lines it and its keys are written on."""

    values: dict[str, Any]
    line: int
    key_lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


@dataclass(frozen=True)
class DataFile:
    path: Path
    top: Table
    arrays: dict[str, list[Table]]  # each [[name]] array of tables, in file order

    def fail(self, line: int, message: str) -> RulesDataError:
        return RulesDataError(self.path, line, message)


_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_-]+)\s*\]\]\s*(?:#.*)?$")
_OTHER_HEADER = re.compile(r"^\s*\[")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


def read_data_file(path: Path, arrays: tuple[str, ...]) -> DataFile:
    """Parse ``path``; its top level holds plain keys and the named ``[[array]]`` tables only.

    Lines are located by scanning the text, so a value spanning lines must not start a line
    with ``[`` (the shipped files only span lines with lists of strings).
    """
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesDataError(path, 1, f"cannot read: {exc}") from None
    try:
        document = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"at line (\d+)", str(exc))
        raise RulesDataError(
            path, int(where.group(1)) if where else 1, f"not valid TOML: {exc}"
        ) from None

    top_lines: dict[str, int] = {}
    headers: dict[str, list[tuple[int, dict[str, int]]]] = {name: [] for name in arrays}
    current = top_lines
    for number, line in enumerate(source.splitlines(), start=1):
        if header := _ARRAY_HEADER.match(line):
            name = header.group(1)
            if name not in headers:
                raise RulesDataError(
                    path, number, f"unexpected table [[{name}]]; expected {_names(arrays)}"
                )
            current = {}
            headers[name].append((number, current))
        elif _OTHER_HEADER.match(line):
            raise RulesDataError(path, number, f"only [[…]] tables of {_names(arrays)} belong here")
        elif key := _KEY.match(line):
            current.setdefault(key.group(1), number)

    tables: dict[str, list[Table]] = {}
    for name in arrays:
        values = document.pop(name, [])
        if not isinstance(values, list) or len(values) != len(headers[name]):
            line = top_lines.get(name, 1)
            raise RulesDataError(path, line, f"write each {name} as its own [[{name}]] table")
        tables[name] = [Table(v, line, keys) for v, (line, keys) in zip(values, headers[name])]
    return DataFile(path, Table(document, 1, top_lines), tables)


def _names(arrays: tuple[str, ...]) -> str:
    return ", ".join(f"[[{name}]]" for name in arrays)


def text(data: DataFile, table: Table, key: str) -> str:
    """The non-blank string ``key`` of ``table``."""
    value = table.values.get(key)
    if not isinstance(value, str) or not value.strip():
        raise data.fail(table.line_of(key), f"{key} must be a non-blank string")
    return value.strip()


def texts(data: DataFile, table: Table, key: str) -> tuple[str, ...]:
    """The list of non-blank strings ``key`` of ``table`` (absent: empty)."""
    value = table.values.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise data.fail(table.line_of(key), f"{key} must be a list of non-blank strings")
    return tuple(v.strip() for v in value)


def unexpected_keys(data: DataFile, table: Table, allowed: frozenset[str]) -> None:
    for key in table.values:
        if key not in allowed:
            raise data.fail(
                table.line_of(key), f"unknown key {key!r}; expected one of {sorted(allowed)}"
            )
