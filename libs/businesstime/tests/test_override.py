"""The operator override path: extending the calendar into 2027, correcting a year, and
rejecting bad files with a message that names the line."""

from __future__ import annotations

import datetime as dt
import shutil
import textwrap

import pytest

from servicehub_businesstime import (
    SHANGHAI,
    BusinessCalendar,
    CalendarDataError,
    CalendarHorizonError,
    DayType,
    OverrideFileError,
)
from servicehub_businesstime.calendar import default_data_dir

H = dt.timedelta(hours=1)


def bj(*a: int) -> dt.datetime:
    return dt.datetime(*a, tzinfo=SHANGHAI)


# ----------------------------------------------------------------------------- 2027 end to end


def test_window_across_new_year_2027_needs_the_override(cal, cal2027):
    submitted = bj(2026, 12, 28, 10, 0)  # Monday
    # Without 2027 data the calendar refuses instead of guessing.
    with pytest.raises(CalendarHorizonError) as exc:
        cal.working_days_window(submitted, 5)
    assert exc.value.day == dt.date(2027, 1, 1) and exc.value.horizon == dt.date(2026, 12, 31)
    # With the override: Dec 29, 30, 31, (Jan 1 New Year, Jan 2-3 weekend) Jan 4, Jan 5.
    w = cal2027.working_days_window(submitted, 5, tz=SHANGHAI)
    assert w.last_day == dt.date(2027, 1, 5)
    assert w.end == bj(2027, 1, 6, 0, 0)
    assert w.calendar_version == cal2027.version != cal.version


def test_sla_clock_across_new_year_2027(cal, cal2027):
    start = bj(2026, 12, 31, 17, 0)  # Thursday, 2 h P2 response on 5x8
    with pytest.raises(CalendarHorizonError):
        cal.clock("5x8").add(start, 2 * H)
    c = cal2027.clock("5x8")
    assert c.add(start, 2 * H, tz=SHANGHAI) == bj(2027, 1, 4, 10, 0)
    assert c.elapsed(start, bj(2027, 1, 4, 10, 0)) == 2 * H


def test_override_years_and_provenance(cal2027):
    assert cal2027.horizon == dt.date(2027, 12, 31)
    assert cal2027.version.startswith("prc-2004-2027-")
    src = cal2027.sources[-1]
    assert src.year == 2027 and src.override and src.status == "test"
    assert "NOT the State Council" in src.source
    assert not cal2027.sources[0].override
    # the test data's make-up Sunday and Spring Festival break are honoured
    assert cal2027.day_type(dt.date(2027, 1, 31)) is DayType.MAKEUP_WORKDAY
    assert cal2027.add_working_days(dt.date(2027, 2, 4), 1) == dt.date(2027, 2, 15)
    # and 2026 is unchanged
    assert cal2027.day_type(dt.date(2026, 10, 10)) is DayType.MAKEUP_WORKDAY


def test_override_corrects_an_existing_year(tmp_path):
    # An operator corrects 2026: Thu 2026-12-31 becomes a day off.
    text = (default_data_dir() / "cn-2026.toml").read_text(encoding="utf-8")
    text = text.replace('["2026".days_off]', '["2026".days_off]\n2026-12-31 = "Company-wide correction"')
    path = tmp_path / "override.toml"
    path.write_text(text, encoding="utf-8")
    base = BusinessCalendar.load()
    fixed = BusinessCalendar.load(override_path=path)
    assert base.is_working_day(dt.date(2026, 12, 31))
    assert fixed.day_type(dt.date(2026, 12, 31)) is DayType.HOLIDAY
    assert fixed.version != base.version and fixed.horizon == base.horizon
    assert fixed.sources[-1].override and fixed.sources[-1].year == 2026


def test_version_ignores_names_and_comments(tmp_path):
    text = (default_data_dir() / "cn-2026.toml").read_text(encoding="utf-8")
    text = "# operator copy\n" + text.replace("National Day / 国庆节", "国庆节")
    path = tmp_path / "override.toml"
    path.write_text(text, encoding="utf-8")
    assert BusinessCalendar.load(override_path=path).version == BusinessCalendar.load().version


# ----------------------------------------------------------------------------- validation

GOOD = """\
format = "servicehub.businesstime/1"

["2027"]
source = "notice"

["2027".holidays]
2027-01-01 = "New Year's Day"

["2027".days_off]
2027-02-09 = "Spring Festival"

["2027".workdays]
2027-02-20 = "make-up"
"""


def _load(tmp_path, text):
    path = tmp_path / "calendar-override.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return BusinessCalendar.load(override_path=path)


def test_minimal_override_loads(tmp_path):
    cal = _load(tmp_path, GOOD)
    assert cal.horizon == dt.date(2027, 12, 31)
    assert cal.day_type(dt.date(2027, 2, 20)) is DayType.MAKEUP_WORKDAY
    assert cal.sources[-1].status == "official"  # the default
    # year tables may be written without quotes
    bare = _load(tmp_path, GOOD.replace('["2027"]', "[2027]").replace('["2027".', "[2027."))
    assert bare.version == cal.version


@pytest.mark.parametrize(
    "edit, line, words",
    [
        # TOML syntax error (unterminated string)
        (lambda t: t.replace('"make-up"', '"make-up'), 13, "not valid TOML"),
        # format missing / wrong
        (lambda t: t.replace('format = "servicehub.businesstime/1"\n', ""), 1, "format"),
        (lambda t: t.replace("businesstime/1", "businesstime/9"), 1, "unsupported format"),
        # bad dates
        (lambda t: t.replace("2027-01-01 =", "2027-02-30 ="), 7, "not a valid calendar date"),
        (lambda t: t.replace("2027-01-01 =", "2027-1-1 ="), 7, "YYYY-MM-DD"),
        (lambda t: t.replace("2027-01-01 =", "2028-01-01 ="), 7, "not in the year 2027"),
        # a make-up day must be a weekend day; a day off must be a weekday
        (lambda t: t.replace("2027-02-20 =", "2027-02-22 ="), 13, "Monday, already a working day"),
        (lambda t: t.replace("2027-02-09 =", "2027-02-13 ="), 10, "Saturday, already a rest day"),
        # the same day twice
        (lambda t: t.replace("2027-02-09 =", "2027-01-01 ="), 10, "listed both in holidays and in days_off"),
        # empty name, unknown key, missing source, bad status
        (lambda t: t.replace('"New Year\'s Day"', '""'), 7, "needs a name"),
        (lambda t: t.replace('source = "notice"', 'source = "notice"\nsauce = "x"'), 5, "unknown key 'sauce'"),
        (lambda t: t.replace('source = "notice"\n', ""), 3, "needs source"),
        (lambda t: t.replace('source = "notice"', 'source = "notice"\nstatus = "rumour"'), 5, "status must be one of"),
        # structure
        (lambda t: t.replace('["2027".workdays]\n2027-02-20 = "make-up"', "").replace(
            'source = "notice"', 'source = "notice"\nworkdays = 3'), 5, "workdays must be a table"),
        (lambda t: t.replace('format = "servicehub.businesstime/1"', 'format = "servicehub.businesstime/1"\nyear = 2027'),
         2, "unexpected top-level key 'year'"),
        (lambda t: t.replace('["2027"]', '["27"]').replace('["2027".', '["27".'), 3, "unexpected top-level key"),
        (lambda t: t.replace('2027-01-01 = "New Year\'s Day"\n', ""), 3, "lists no statutory holidays"),
        # a gap: 2028 without 2027
        (lambda t: t.replace("2027", "2028"), 3, "leaves 2027 without data"),
    ],
)
def test_bad_override_names_the_line(tmp_path, edit, line, words):
    text = edit(GOOD)
    assert text != GOOD
    with pytest.raises(OverrideFileError) as exc:
        _load(tmp_path, text)
    err = exc.value
    assert err.line == line, str(err)
    assert words in err.message, str(err)
    assert str(err).startswith(f"{tmp_path / 'calendar-override.toml'}:{line}: ")
    assert isinstance(err, CalendarDataError) and isinstance(err, ValueError)


def test_missing_override_file(tmp_path):
    with pytest.raises(OverrideFileError, match="cannot read"):
        BusinessCalendar.load(override_path=tmp_path / "nope.toml")


def test_bad_shipped_data_file_stops_loading(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(default_data_dir(), data)
    path = data / "cn-2025.toml"
    lines = path.read_text(encoding="utf-8").splitlines()
    n = next(i for i, l in enumerate(lines) if l.startswith("2025-10-11"))
    lines[n] = lines[n].replace("2025-10-11", "2025-10-13")  # a Monday as make-up day
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CalendarDataError) as exc:
        BusinessCalendar.load(data_dir=data)
    assert not isinstance(exc.value, OverrideFileError)
    assert exc.value.path == str(path) and exc.value.line == n + 1
    # a file must hold the year its name says
    shutil.copy(default_data_dir() / "cn-2024.toml", path)
    with pytest.raises(CalendarDataError, match="must hold the year 2025"):
        BusinessCalendar.load(data_dir=data)
    # a year missing in the middle
    path.unlink()
    with pytest.raises(CalendarDataError, match="no data for 2025"):
        BusinessCalendar.load(data_dir=data)
