"""Reading the rules' TOML data files so that every problem names its file and line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from servicehub_datafile import DataFileError, KeyLines, KeyPath, read_toml


class RulesDataError(DataFileError):
    """A rules data file is unreadable or breaks its format; says where, 1-based."""


@dataclass(frozen=True)
class Table:
    """One table of a data file, and where its lines are."""

    values: dict[str, Any]
    path: KeyPath  # () for the top level
    lines: KeyLines

    @property
    def line(self) -> int:
        return self.lines.line_of(self.path)

    def line_of(self, key: str) -> int:
        return self.lines.line_of((*self.path, key))


@dataclass(frozen=True)
class DataFile:
    path: Path
    top: Table
    arrays: dict[str, list[Table]]  # each [[name]] array of tables, in file order

    def fail(self, line: int, message: str) -> RulesDataError:
        return RulesDataError(self.path, line, message)


def read_data_file(path: Path, arrays: tuple[str, ...]) -> DataFile:
    """Parse ``path``; its top level holds plain keys and the named ``[[array]]`` tables only."""
    source, document = read_toml(path, RulesDataError)
    lines = KeyLines(source)
    counts = dict.fromkeys(arrays, 0)
    for number, parts, is_array in lines.headers:
        if not is_array or len(parts) != 1:
            raise RulesDataError(path, number, f"only [[…]] tables of {_names(arrays)} belong here")
        if parts[0] not in counts:
            raise RulesDataError(
                path, number, f"unexpected table [[{parts[0]}]]; expected {_names(arrays)}"
            )
        counts[parts[0]] += 1

    tables: dict[str, list[Table]] = {}
    for name in arrays:
        values = document.pop(name, [])
        if not isinstance(values, list) or len(values) != counts[name]:
            raise RulesDataError(
                path, lines.line_of((name,)), f"write each {name} as its own [[{name}]] table"
            )
        tables[name] = [Table(value, (name, i), lines) for i, value in enumerate(values)]
    return DataFile(path, Table(document, (), lines), tables)


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
