"""servicehub_datafile: reading TOML data files and naming the line of a key path."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from servicehub_datafile import DataFileError, KeyLines, read_toml, split_key

TEXT = """\
format = "x/1"          # line 1
limits.daily = 3        # line 2: a dotted key

["2027"]                # line 4: a quoted table name
"2027-01-01" = "New Year"

[[item]]                # line 7
code = "a"
tags = [                # line 9: a multi-line array
  "one",
  { name = "two", weight = 2 },
]

[[item]]                # line 14
code = "b"
cap = { visits = 2 }    # line 16: an inline table

[item.extra]            # line 18: a sub-table of the latest [[item]]
note = "n"
"""


@pytest.fixture
def lines() -> KeyLines:
    return KeyLines(TEXT)


@pytest.mark.parametrize(
    ("path", "line"),
    [
        (("format",), 1),
        (("limits", "daily"), 2),
        (("limits",), 2),  # the parent of a dotted key is where the key is written
        (("2027",), 4),
        (("2027", "2027-01-01"), 5),
        (("item", 0), 7),
        (("item", 0, "code"), 8),
        (("item", 0, "tags"), 9),
        (("item", 0, "tags", 0), 10),
        (("item", 0, "tags", 1), 11),
        (("item", 0, "tags", 1, "weight"), 11),
        (("item", 1), 14),
        (("item", 1, "code"), 15),
        (("item", 1, "cap", "visits"), 16),
        (("item", 1, "extra"), 18),
        (("item", 1, "extra", "note"), 19),
    ],
)
def test_each_written_key_path_is_found_at_its_line(lines: KeyLines, path, line):
    assert lines.line_of(path) == line


def test_a_path_the_file_does_not_write_falls_back_to_its_longest_written_start(lines: KeyLines):
    assert lines.line_of(("item", 1, "missing")) == 14  # the table's header
    assert lines.line_of(("item", 1, "cap", "days")) == 16  # the inline table's key
    assert lines.line_of(("item", 5, "code")) == 1  # nothing written: the first line
    assert lines.line_of(()) == 1


def test_headers_are_listed_in_file_order_with_their_kind(lines: KeyLines):
    assert lines.headers == [
        (4, ("2027",), False),
        (7, ("item",), True),
        (14, ("item",), True),
        (18, ("item", "extra"), False),
    ]


def test_split_key_removes_quotes_and_white_space():
    assert split_key('a . "b.c" . \'d\'') == ("a", "b.c", "d")


def test_read_toml_returns_text_and_document(tmp_path: Path):
    file = tmp_path / "data.toml"
    file.write_text(TEXT, encoding="utf-8")
    text, document = read_toml(file)
    assert text == TEXT
    assert document["item"][1]["cap"] == {"visits": 2}


class _Error(DataFileError):
    pass


@pytest.mark.parametrize(
    ("content", "line", "problem"),
    [
        (b'a = 1\nb = "open\n', 2, "not valid TOML"),
        (b'a = 1\n\nb = "\xff"\n', 3, "not UTF-8 text"),
    ],
)
def test_a_bad_file_raises_the_given_error_naming_file_and_line(tmp_path, content, line, problem):
    file = tmp_path / "bad.toml"
    file.write_bytes(content)
    with pytest.raises(_Error) as raised:
        read_toml(file, _Error)
    assert (raised.value.path, raised.value.line) == (str(file), line)
    assert str(raised.value).startswith(f"{file}:{line}: {problem}")


def test_a_missing_file_is_named_without_a_line(tmp_path: Path):
    file = tmp_path / "absent.toml"
    with pytest.raises(DataFileError) as raised:
        read_toml(file)
    assert raised.value.line is None
    assert str(raised.value).startswith(f"{file}: cannot read: ")


def test_the_error_survives_pickling_with_its_place():
    error = pickle.loads(pickle.dumps(_Error("f.toml", 7, "bad")))
    assert (type(error), error.path, error.line, error.message, str(error)) == (
        _Error, "f.toml", 7, "bad", "f.toml:7: bad"
    )
