"""Reads the catalogue's TOML files, validates them and names file and line on any error.

An error is reported at the line of the longest part of its key path that the file spells
out (a missing key: its table's header), as servicehub_datafile.KeyLines finds it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from servicehub_datafile import DataFileError, KeyLines, KeyPath, read_toml

from servicehub_billing.catalogue.model import Catalogue, Service

DATA_DIRECTORY = Path(__file__).parent
MANIFEST = "catalogue.toml"
SERVICES = "services"


class CatalogueError(DataFileError):
    """Invalid catalogue data, located in its file."""

    @property
    def file(self) -> Path:
        return Path(self.path)


def load_catalogue(directory: Path = DATA_DIRECTORY) -> Catalogue:
    """The catalogue in `directory`: its manifest's version and every services/*.toml."""
    manifest_file = directory / MANIFEST
    manifest = _Document(manifest_file)
    version = manifest.data.pop("version", None)
    if not isinstance(version, str) or not version.strip():
        raise CatalogueError(manifest_file, 1, "version: a non-empty string is required")
    for key in manifest.data:
        raise manifest.error((key,), "unknown key")
    services: list[Service] = []
    first_file: dict[tuple[str, Any], Path] = {}
    for path in sorted((directory / SERVICES).glob("*.toml")):
        document = _Document(path)
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
    def __init__(self, file: Path) -> None:
        self.file = file
        text, self.data = read_toml(file, CatalogueError)
        self.lines = KeyLines(text)

    def error(self, path: KeyPath, message: str) -> CatalogueError:
        return CatalogueError(self.file, self.lines.line_of(path), f"{_dotted(path)}: {message}")


def _validate(document: _Document) -> Service:
    try:
        service = Service.model_validate(document.data)
    except ValidationError as error:
        first = error.errors()[0]
        raise document.error(tuple(first["loc"]), first["msg"]) from None
    for path, message in _inconsistencies(service):
        raise document.error(path, message)
    return service


def _inconsistencies(service: Service) -> Iterator[tuple[KeyPath, str]]:
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


def _duplicates(base: KeyPath, codes: tuple[str, ...], suffix: KeyPath = ("code",)) -> Iterator:
    seen: set[str] = set()
    for i, code in enumerate(codes):
        if code in seen:
            yield (*base, i, *suffix), f"duplicate code {code!r}"
        seen.add(code)


def _dotted(path: KeyPath) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)[1:]
