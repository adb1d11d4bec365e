"""Reading TOML data files so that every problem names its file and 1-based line.

tomllib gives no positions for values, so :class:`KeyLines` scans the text and maps each key
path (``("packages", 2, "items")`` …) to the line that writes it; :meth:`KeyLines.line_of`
answers with the line of the longest part of a path that the file spells out (a missing key:
its table's header).  The scan understands the TOML data files are written in: bare, quoted
and dotted keys, ``[table]`` and ``[[array]]`` headers, inline tables on one line and
multi-line arrays whose elements each sit on one line.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Protocol

KeyPath = tuple[str | int, ...]


class DataFileError(ValueError):
    """A data file is unreadable or breaks its format: ``path:line: message``.

    ``line`` is None where the problem has no line (the file cannot be read at all, or the
    problem is with the file as a whole).
    """

    def __init__(self, path: str | Path | Any, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(f"{self.path}:{line}: {message}" if line else f"{self.path}: {message}")

    def __reduce__(self):  # picklable with its attributes
        return (type(self), (self.path, self.line, self.message))


class _Readable(Protocol):  # a Path or an importlib.resources Traversable
    def read_bytes(self) -> bytes: ...


def read_bytes(path: _Readable, error: type[DataFileError] = DataFileError) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise error(path, None, f"cannot read: {exc}") from None


def decode(raw: bytes, path: Any, error: type[DataFileError] = DataFileError) -> str:
    """``raw`` as UTF-8 text; a bad byte is reported at its line."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(path, raw[: exc.start].count(b"\n") + 1, "not UTF-8 text") from None


def parse(text: str, path: Any, error: type[DataFileError] = DataFileError) -> dict[str, Any]:
    """The TOML document in ``text``; a syntax error is reported at the line tomllib names."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        raise error(path, int(found[1]) if found else 1, f"not valid TOML: {exc}") from None


def read_toml(
    path: _Readable, error: type[DataFileError] = DataFileError
) -> tuple[str, dict[str, Any]]:
    """The text of the UTF-8 TOML file ``path`` and its document."""
    text = decode(read_bytes(path, error), path, error)
    return text, parse(text, path, error)


_PART = r"""(?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)"""
_PATH = rf"{_PART}(?:\s*\.\s*{_PART})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_PATH})\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(rf"^\s*({_PATH})\s*=\s*(.*)$")
_INLINE_KEY = re.compile(rf"[{{,]\s*({_PART})\s*=")


def split_key(text: str) -> tuple[str, ...]:
    """The parts of a (dotted, possibly quoted) TOML key, quotes removed."""
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in re.findall(_PART, text))


class KeyLines:
    """The line (1-based) of every header, key and one-per-line array element of a text.

    ``headers`` lists each table header as (line, its key parts, whether it is ``[[…]]``).
    """

    def __init__(self, text: str) -> None:
        self.lines: dict[KeyPath, int] = {}
        self.headers: list[tuple[int, tuple[str, ...], bool]] = []
        last_index: dict[KeyPath, int] = {}  # array-of-tables path → index of its latest table
        table: KeyPath = ()
        open_array: KeyPath | None = None  # a multi-line array being read, and its element count
        elements = 0

        def resolve(parts: tuple[str, ...]) -> KeyPath:
            path: KeyPath = ()
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
                        self.lines[(*open_array, elements)] = number
                        for key in _INLINE_KEY.findall(element):
                            self.lines[(*open_array, elements, *split_key(key))] = number
                        elements += 1
                continue
            header = _HEADER.match(line)
            if header:
                parts = split_key(header[2])
                is_array = header[1] == "[["
                self.headers.append((number, parts, is_array))
                if is_array:
                    array = (*resolve(parts[:-1]), parts[-1])
                    last_index[array] = last_index.get(array, -1) + 1
                    table = (*array, last_index[array])
                else:
                    table = resolve(parts)
                self.lines[table] = number
                continue
            key = _KEY.match(line)
            if key:
                parts = split_key(key[1])
                for end in range(1, len(parts)):  # a dotted key also writes its parents
                    self.lines.setdefault((*table, *parts[:end]), number)
                path = (*table, *parts)
                self.lines[path] = number
                value = key[2]
                for inner in _INLINE_KEY.findall(value):
                    self.lines[(*path, *split_key(inner))] = number
                if value.startswith("[") and _depth(value) > 0:
                    open_array, elements = path, 0

    def line_of(self, path: KeyPath) -> int:
        """The line of the longest start of ``path`` the text writes (none: 1)."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return 1


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
