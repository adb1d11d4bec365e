"""Reads the catalogue's TOML files, validates them and names file and line on any error.

tomllib gives no positions for values, so a small scan of the text maps each key path
(("packages", 2, "items") …) to the line that sets it; an error is reported at the line of
the longest part of its path that the file spells out (a missing key: its table's header).
The scan understands the subset of TOML the catalogue is written in (README): bare keys,
[table] and [[array]] headers, inline tables on one line, multi-line arrays whose elements
each sit on one line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from servicehub_billing.catalogue.model import Catalogue, Service

DATA_DIRECTORY = Path(__file__).parent
MANIFEST = "catalogue.toml"
SERVICES = "services"

Path_ = tuple[str | int, ...]


class CatalogueError(ValueError):
    """Invalid catalogue data, located in its file."""

    def __init__(self, file: Path, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}")
        self.file = file
        self.line = line


def load_catalogue(directory: Path = DATA_DIRECTORY) -> Catalogue:
    """The catalogue in `directory`: its manifest's version and every services/*.toml."""
    manifest_file = directory / MANIFEST
    manifest = _read(manifest_file)
    version = manifest.data.pop("version", None)
    if not isinstance(version, str) or not version.strip():
        raise CatalogueError(manifest_file, 1, "version: a non-empty string is required")
    for key in manifest.data:
        raise manifest.error((key,), "unknown key")
    services: list[Service] = []
    first_file: dict[tuple[str, Any], Path] = {}
    for path in sorted((directory / SERVICES).glob("*.toml")):
        document = _read(path)
        service = _validate(document)
        for key in ("code", "seed_section"):
            value = getattr(service, key)
            if (key, value) in first_file:
                raise document.error(
                    (key,), f"duplicate {key} {value!r}, already in {first_file[key, value]}"
                )
            first_file[key, value] = path
        services.append(service)
    if not services:
        raise CatalogueError(directory / SERVICES, 1, "no service files (*.toml)")
    return Catalogue(version=version, services=tuple(services))


class _Document:
    def __init__(self, file: Path, text: str, data: dict[str, Any]) -> None:
        self.file = file
        self.data = data
        self.lines = _key_lines(text)

    def error(self, path: Path_, message: str) -> CatalogueError:
        for end in range(len(path), 0, -1):
            if path[:end] in self.lines:
                line = self.lines[path[:end]]
                break
        else:
            line = 1
        return CatalogueError(self.file, line, f"{_dotted(path)}: {message}")


def _read(file: Path) -> _Document:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogueError(file, 1, f"cannot read: {error}") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"at line (\d+)", str(error))
        raise CatalogueError(file, int(found[1]) if found else 1, str(error)) from error
    return _Document(file, text, data)


def _validate(document: _Document) -> Service:
    try:
        service = Service.model_validate(document.data)
    except ValidationError as error:
        first = error.errors()[0]
        raise document.error(tuple(first["loc"]), first["msg"]) from None
    for path, message in _inconsistencies(service):
        raise document.error(path, message)
    return service


def _inconsistencies(service: Service) -> Iterator[tuple[Path_, str]]:
    """What a schema cannot say: unique codes, references, milestone order."""
    for field in ("items", "packages", "pricing_units", "milestones", "phases"):
        yield from _duplicates((field,), tuple(entry.code for entry in getattr(service, field)))
    items = {item.code for item in service.items}
    packages = {package.code for package in service.packages}
    for i, package in enumerate(service.packages):
        for j, item in enumerate(package.items):
            if item not in items:
                yield ("packages", i, "items", j), f"unknown item {item!r}"
        yield from _duplicates(("packages", i, "items"), package.items, ())
        for j, required in enumerate(package.requires):
            if required not in packages or required == package.code:
                yield ("packages", i, "requires", j), f"unknown package {required!r}"
        cap = package.on_site_cap
        if cap is not None and (cap.max_visits is None) != (cap.max_person_days_per_visit is None):
            yield (
                ("packages", i, "on_site_cap"),
                "max_visits and max_person_days_per_visit go together",
            )
        if cap is not None and cap.max_visits is None and cap.max_person_days is None:
            yield ("packages", i, "on_site_cap"), "an empty cap"
    included = {item for package in service.packages for item in package.items}
    for i, item in enumerate(service.items):
        if item.code not in included:
            yield ("items", i, "code"), f"item {item.code!r} is in no package"
    dated = [m.offset is not None for m in service.milestones]
    if any(dated) and not all(dated):
        first_undated = dated.index(False)
        yield (
            ("milestones", first_undated, "offset"),
            "either every milestone has an offset or none",
        )
    previous = None
    for i, milestone in enumerate(service.milestones):
        if (milestone.offset is None) != (milestone.day_kind is None):
            yield ("milestones", i, "day_kind"), "offset and day_kind go together"
        if milestone.offset is not None:
            if previous is not None and milestone.offset <= previous.offset:
                yield (
                    ("milestones", i, "offset"),
                    f"offsets must increase: T+{milestone.offset} after T+{previous.offset}",
                )
            if previous is not None and milestone.day_kind != previous.day_kind:
                yield ("milestones", i, "day_kind"), "all offsets of a template use one day_kind"
            previous = milestone
    window = service.acceptance.window
    if window is not None and (window.starts == "delivery_completed") != (window.phase is not None):
        yield ("acceptance", "window", "phase"), "names the delivery phase exactly when starts = \"delivery_completed\""
    if window is not None and window.phase is not None:
        delivering = [phase.code for phase in service.phases if phase.deliverables]
        if window.phase not in delivering:
            yield (
                ("acceptance", "window", "phase"),
                f"unknown phase {window.phase!r}; phases with deliverables: {', '.join(delivering) or 'none'}",
            )
    for i, phase in enumerate(service.phases):
        for j, deliverable in enumerate(phase.deliverables):
            for k, code in enumerate(deliverable.packages):
                if code not in packages:
                    path = ("phases", i, "deliverables", j, "packages", k)
                    yield path, f"unknown package {code!r}"


def _duplicates(base: Path_, codes: tuple[str, ...], suffix: Path_ = ("code",)) -> Iterator:
    seen: set[str] = set()
    for i, code in enumerate(codes):
        if code in seen:
            yield (*base, i, *suffix), f"duplicate code {code!r}"
        seen.add(code)


def _dotted(path: Path_) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)[1:]


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+(?:\s*\.\s*[A-Za-z0-9_-]+)*)\s*=\s*(.*)$")
_INLINE_KEY = re.compile(r"[{,]\s*([A-Za-z0-9_-]+)\s*=")


def _key_lines(text: str) -> dict[Path_, int]:
    """Line (1-based) of every header, key and one-per-line array element in `text`."""
    lines: dict[Path_, int] = {}
    last_index: dict[Path_, int] = {}  # array-of-tables path → index of its latest table
    table: Path_ = ()
    open_array: Path_ | None = None  # a multi-line array being read, and its element count
    elements = 0

    def resolve(parts: list[str]) -> Path_:
        path: Path_ = ()
        for part in parts:
            path += (part,)
            if path in last_index:
                path += (last_index[path],)
        return path

    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if open_array is not None:
            if stripped.startswith("]"):
                open_array = None
            else:
                for element in _elements(stripped):
                    lines[(*open_array, elements)] = number
                    for key in _INLINE_KEY.findall(element):
                        lines[(*open_array, elements, key)] = number
                    elements += 1
            continue
        header = _HEADER.match(line)
        if header:
            parts = [part.strip() for part in header[2].split(".")]
            if header[1] == "[[":
                array = (*resolve(parts[:-1]), parts[-1])
                last_index[array] = last_index.get(array, -1) + 1
                table = (*array, last_index[array])
            else:
                table = resolve(parts)
            lines[table] = number
            continue
        key = _KEY.match(line)
        if key:
            path = (*table, *(part.strip() for part in key[1].split(".")))
            lines[path] = number
            value = key[2]
            for inner in _INLINE_KEY.findall(value):
                lines[(*path, inner)] = number
            if value.startswith("[") and _depth(value) > 0:
                open_array, elements = path, 0
    return lines


def _elements(line: str) -> list[str]:
    """The array elements (strings or inline tables) on one line of a multi-line array."""
    elements: list[str] = []
    start, depth, quote, escaped = 0, 0, None, False
    for position, char in enumerate(line):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = None
                if depth == 0:
                    elements.append(line[start : position + 1])
        elif char == "#":
            break
        elif char in "\"'":
            start = position if depth == 0 else start
            quote = char
        elif char == "{":
            start = position if depth == 0 else start
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                elements.append(line[start : position + 1])
    return elements


def _depth(value: str) -> int:
    """Unclosed [ in a value, strings and comments skipped."""
    depth, quote = 0, None
    for char in value:
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
    return depth
