"""The business calendar: working time on the Russian production calendar, exact and fast.

Conventions (every method follows them; the tests pin them down):

- Working intervals are half-open, `[start, end)`: 09:00 is working time, 13:00 (lunch) and
  18:00 are not.
- Every public method takes tz-aware datetimes with any offset and returns datetimes in the
  calendar's time zone; a naive datetime is a programming error (ValueError).
- `add_working_minutes(t, m)` is the EARLIEST instant `r >= t` such that `[t, r)` holds `m`
  working minutes. So Friday 17:00 + 1 h = Friday 18:00 (not Monday 09:00), 12:00 + 1 h =
  13:00, and `t + 0` = `t` even outside working time. It is the exact inverse of
  `working_minutes_between`: `between(t, add(t, m)) == m`.
- Durations must be >= 0 (ValueError otherwise); there is no "subtract working time".
- A standard working day is `minutes_per_day` working minutes (8 h by default); "2 working
  days" is 16 working hours, so `add_working_days(t, n) == add_working_minutes(t, n * minutes_per_day)`.
- A pre-holiday day (Labour Code art. 95) is shorter by `shortened_by` (1 h), cut from the end of
  the day: 09:00–17:00 with lunch, so 7 working hours and "end of the working day" at 17:00.

Cost never depends on the span in minutes: whole days are skipped through per-year sorted
tables of working days and of the working time before each of them (built once per year,
cached), so one call is a few bisections.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Iterable
from zoneinfo import ZoneInfo

from soglasie.production_calendar import OfficialYear, package_has_decree, package_year

_US = 1_000_000
_MINUTE_US = 60 * _US
_HOUR_US = 60 * _MINUTE_US
# A calendar without a single working day for this long is a configuration error, not a loop.
_MAX_EMPTY_YEARS = 10
COMPANY_DAY_OFF = "company day off"  # the reason of a day in `extra_days_off`
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _cut_end(intervals: tuple, cut: int) -> tuple:
    """`intervals` less `cut` µs taken from the end of the day (a shortened pre-holiday day)."""
    kept = list(intervals)
    while cut > 0 and kept:
        start, end = kept.pop()
        if end - start > cut:
            kept.append((start, end - cut))
        cut -= end - start
    if not kept:
        raise ValueError("shortened_days cuts the whole working day")
    return tuple(kept)


def _length(intervals: tuple) -> int:
    return sum(end - start for start, end in intervals)


def _worked_before(intervals: tuple, pos: int) -> int:
    """Working µs of a day with `intervals` before position `pos` (µs since midnight)."""
    return sum(min(end, pos) - start for start, end in intervals if pos > start)


def _locate(intervals: tuple, worked: int) -> int:
    """The earliest position in a day with `intervals` by which `worked` (> 0) µs have been worked."""
    for start, end in intervals:
        if worked <= end - start:
            return start + worked
        worked -= end - start
    raise AssertionError("worked exceeds a working day")  # pragma: no cover


def _time_us(value: dt.time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * _US + value.microsecond


def _duration_us(amount, unit_us: int) -> int:
    """`amount` units as whole microseconds; negative or non-numeric amounts are refused."""
    if isinstance(amount, bool) or not isinstance(amount, (int, float, Fraction, Decimal)):
        raise TypeError(f"a duration must be a number, got {amount!r}")
    if isinstance(amount, int):
        us = amount * unit_us
    else:
        us = round(Fraction(amount) * unit_us)
    if us < 0:
        raise ValueError(f"a working-time duration must not be negative, got {amount}")
    return us


@dataclass(frozen=True)
class _YearTable:
    """The working days of one year as sorted date ordinals, and the working µs before each."""

    days: tuple[int, ...]
    working: frozenset[int]
    short: frozenset[int]
    before: tuple[int, ...]  # before[i]: working µs in days[:i]; len(days) + 1 entries
    reasons: dict[int, str]  # a day off → its reason (holiday name, "transfer"); weekends absent


@dataclass(frozen=True)
class BusinessCalendar:
    """Working time: time zone, hours with lunch, weekends, public holidays and overrides."""

    tz: dt.tzinfo = ZoneInfo("Europe/Moscow")
    work_start: dt.time = dt.time(9, 0)
    work_end: dt.time = dt.time(18, 0)
    lunch: tuple[dt.time, dt.time] | None = (dt.time(13, 0), dt.time(14, 0))
    weekend: frozenset[int] = frozenset({5, 6})  # date.weekday(): Saturday, Sunday
    country: str | None = "RU"  # `holidays` country code; None: no public holidays
    extra_days_off: frozenset[dt.date] = frozenset()
    extra_working_days: frozenset[dt.date] = frozenset()
    extra_shortened_days: frozenset[dt.date] = frozenset()  # working days (even on a weekend), shortened
    shortened_by: dt.timedelta = dt.timedelta(hours=1)  # art. 95; timedelta(0): the company does not shorten
    official_years: tuple[OfficialYear, ...] = ()  # imported years; they win over the package
    _years: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)
    _intervals: tuple = field(default=(), init=False, repr=False, compare=False, hash=False)
    _short_intervals: tuple = field(default=(), init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        bounds = [self.work_start, *(self.lunch or ()), self.work_end]
        if any(a >= b for a, b in zip(bounds, bounds[1:])):
            raise ValueError("working hours must be start < lunch start < lunch end < end")
        for key, days in (("extra_working_days", self.extra_working_days),
                          ("extra_shortened_days", self.extra_shortened_days)):
            if self.extra_days_off & days:
                day = min(self.extra_days_off & days)
                raise ValueError(f"{day} is both in extra_days_off and in {key}")
        points = [_time_us(value) for value in bounds]
        intervals = tuple(zip(points[0::2], points[1::2]))
        object.__setattr__(self, "_intervals", intervals)
        cut = self.shortened_by // dt.timedelta(microseconds=1)
        if cut < 0:
            raise ValueError("shortened_days must not be negative")
        object.__setattr__(self, "_short_intervals", _cut_end(intervals, cut))


    # --- what a day is ---------------------------------------------------------------------

    @property
    def minutes_per_day(self) -> int:
        """Working minutes in a standard working day (480 for 09:00–18:00 with 1 h lunch)."""
        return _length(self._intervals) // _MINUTE_US

    def is_working_day(self, day: dt.date | dt.datetime) -> bool:
        """True when `day` (a date, or the local date of an instant) is a working day."""
        ordinal = self._local_ordinal(day)
        return ordinal in self._year_of(ordinal).working

    def is_shortened_day(self, day: dt.date | dt.datetime) -> bool:
        """True when `day` is a working day shortened before a public holiday (art. 95)."""
        ordinal = self._local_ordinal(day)
        return ordinal in self._year_of(ordinal).short

    def day_off_reason(self, day: dt.date | dt.datetime) -> str | None:
        """None for a working day; else the holiday's name, "transfer", "weekend" or "company day off"."""
        ordinal = self._local_ordinal(day)
        table = self._year_of(ordinal)
        if ordinal in table.working:
            return None
        return table.reasons.get(ordinal, "weekend")

    def working_minutes_on(self, day: dt.date | dt.datetime) -> int:
        """Working minutes of one day: 480, 420 on a shortened day, 0 on a day off."""
        return _length(self._day_intervals(self._local_ordinal(day))) // _MINUTE_US

    def working_days_in_year(self, year: int) -> int:
        """How many working days `year` has on this calendar (2024: 248, 2025/2026: 247)."""
        return len(self._year(year).days)

    def working_minutes_in(self, start: dt.date, end: dt.date) -> int:
        """Working minutes of the days in `[start, end)` (2024: 1979 h, 2025 and 2026: 1972 h)."""
        return self._us_between_days(start.toordinal(), max(start, end).toordinal()) // _MINUTE_US

    def working_days(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """The working days in `[start, end)`, in order."""
        return [dt.date.fromordinal(o) for o in self._working_ordinals(start.toordinal(), end.toordinal())]

    def next_working_day(self, day: dt.date | dt.datetime, n: int = 1) -> dt.date:
        """The `n`-th working day strictly after `day` (n >= 1)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        return dt.date.fromordinal(self._nth_after(self._local_ordinal(day), n))

    # --- instants --------------------------------------------------------------------------

    def localize(self, value: dt.datetime) -> dt.datetime:
        """`value` in the calendar's time zone; a naive value is taken as local wall time."""
        return value.replace(tzinfo=self.tz) if value.tzinfo is None else value.astimezone(self.tz)

    def is_working_time(self, t: dt.datetime) -> bool:
        """True when `t` falls inside working hours of a working day (intervals are [start, end))."""
        day, pos = self._split(t)
        return any(start <= pos < end for start, end in self._day_intervals(day))

    def next_working_instant(self, t: dt.datetime) -> dt.datetime:
        """`t` itself when it is working time, else the start of the next working interval."""
        day, pos = self._split(t)
        for start, end in self._day_intervals(day):
            if pos < end:
                return t.astimezone(self.tz) if pos >= start else self._join(day, start)
        return self._join(self._nth_after(day, 1), self._intervals[0][0])

    def end_of_working_day(self, value: dt.date | dt.datetime) -> dt.datetime:
        """The end of working hours on the date of `value`: 18:00 local, 17:00 on a shortened day.

        The date is taken as is, working day or not: a hard deadline "8 March" is 8 March 18:00.
        """
        ordinal = self._local_ordinal(value)
        return self._join(ordinal, (self._day_intervals(ordinal) or self._intervals)[-1][1])

    def start_of_working_day(self, value: dt.date | dt.datetime) -> dt.datetime:
        """The start of working hours (09:00 local) on the date of `value`."""
        return self._join(self._local_ordinal(value), self._intervals[0][0])

    # --- arithmetic ------------------------------------------------------------------------

    def add_working_minutes(self, t: dt.datetime, minutes) -> dt.datetime:
        """The earliest instant with `minutes` (>= 0) working minutes between `t` and it."""
        return self._add_us(t, _duration_us(minutes, _MINUTE_US))

    def add_working_hours(self, t: dt.datetime, hours) -> dt.datetime:
        """`add_working_minutes(t, hours * 60)`; fractional hours are fine."""
        return self._add_us(t, _duration_us(hours, _HOUR_US))

    def add_working_days(self, t: dt.datetime, days: int) -> dt.datetime:
        """`t` plus `days` standard working days (days × `minutes_per_day` working minutes)."""
        if not isinstance(days, int) or isinstance(days, bool):
            raise TypeError(f"days must be a whole number, got {days!r}")
        return self.add_working_minutes(t, days * self.minutes_per_day)

    def working_time_between(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
        """The exact working time in `[a, b)`; negative when `b` is before `a`."""
        return dt.timedelta(microseconds=self._between_us(a, b))

    def working_minutes_between(self, a: dt.datetime, b: dt.datetime) -> int:
        """Whole working minutes in `[a, b)` (seconds dropped); negative when `b` < `a`."""
        us = self._between_us(a, b)
        return us // _MINUTE_US if us >= 0 else -(-us // _MINUTE_US)

    # --- internals -------------------------------------------------------------------------

    def _day_intervals(self, ordinal: int) -> tuple:
        """The working intervals of a day: none on a day off, cut at the end on a shortened day."""
        table = self._year_of(ordinal)
        if ordinal not in table.working:
            return ()
        return self._short_intervals if ordinal in table.short else self._intervals

    def _add_us(self, t: dt.datetime, delta: int) -> dt.datetime:
        day, pos = self._split(t)
        if delta == 0:
            return t.astimezone(self.tz)
        intervals = self._day_intervals(day)
        if intervals:
            before = _worked_before(intervals, pos)
            if before + delta <= _length(intervals):
                return self._join(day, _locate(intervals, before + delta))
            delta -= _length(intervals) - before
        target, worked = self._land(day, delta)
        return self._join(target, _locate(self._day_intervals(target), worked))

    def _land(self, ordinal: int, delta: int) -> tuple[int, int]:
        """The working day after `ordinal` where `delta` (> 0) more working µs run out, and µs worked on it."""
        year = dt.date.fromordinal(ordinal).year
        empty = 0
        while True:
            table = self._year(year)
            base = table.before[bisect_right(table.days, ordinal)]
            if delta <= table.before[-1] - base:
                # Skip whole days at once: before[j] < base + delta <= before[j + 1].
                j = bisect_left(table.before, base + delta) - 1
                return table.days[j], base + delta - table.before[j]
            delta -= table.before[-1] - base
            empty = empty + 1 if not table.days else 0
            if empty > _MAX_EMPTY_YEARS:
                raise ValueError("the calendar has no working days")
            year += 1

    def _between_us(self, a: dt.datetime, b: dt.datetime) -> int:
        if b < a:
            return -self._between_us(b, a)
        day_a, pos_a = self._split(a)
        day_b, pos_b = self._split(b)
        worked_a = _worked_before(self._day_intervals(day_a), pos_a)
        worked_b = _worked_before(self._day_intervals(day_b), pos_b)
        return self._us_between_days(day_a, day_b) - worked_a + worked_b

    def _split(self, t: dt.datetime) -> tuple[int, int]:
        if t.tzinfo is None:
            raise ValueError(f"a naive datetime has no time zone: {t.isoformat()}")
        local = t.astimezone(self.tz)
        pos = ((local.hour * 60 + local.minute) * 60 + local.second) * _US + local.microsecond
        return local.toordinal(), pos

    def _join(self, ordinal: int, pos: int) -> dt.datetime:
        day = dt.date.fromordinal(ordinal)
        midnight = dt.datetime(day.year, day.month, day.day, tzinfo=self.tz)
        return midnight + dt.timedelta(microseconds=pos)  # wall-clock arithmetic, tz kept

    def _local_ordinal(self, value: dt.date | dt.datetime) -> int:
        if isinstance(value, dt.datetime):
            return self._split(value)[0]
        return value.toordinal()

    def _nth_after(self, ordinal: int, n: int) -> int:
        """The ordinal of the `n`-th (>= 1) working day strictly after `ordinal`."""
        year = dt.date.fromordinal(ordinal).year
        empty = 0
        while True:
            days = self._year(year).days
            index = bisect_right(days, ordinal)
            if n <= len(days) - index:
                return days[index + n - 1]
            n -= len(days) - index
            empty = empty + 1 if not days else 0
            if empty > _MAX_EMPTY_YEARS:
                raise ValueError("the calendar has no working days")
            year += 1

    def _us_between_days(self, first: int, last: int) -> int:
        """Working µs of the days in `[first, last)` (ordinals, first <= last)."""
        year_first = dt.date.fromordinal(first).year
        year_last = dt.date.fromordinal(last).year
        head = self._year(year_first)
        if year_first == year_last:
            return head.before[bisect_left(head.days, last)] - head.before[bisect_left(head.days, first)]
        total = head.before[-1] - head.before[bisect_left(head.days, first)]
        total += sum(self._year(year).before[-1] for year in range(year_first + 1, year_last))
        tail = self._year(year_last)
        return total + tail.before[bisect_left(tail.days, last)]

    def _working_ordinals(self, first: int, last: int) -> Iterable[int]:
        for year in range(dt.date.fromordinal(first).year, dt.date.fromordinal(max(first, last - 1)).year + 1):
            for ordinal in self._year(year).days:
                if first <= ordinal < last:
                    yield ordinal

    def _year_of(self, ordinal: int) -> _YearTable:
        return self._year(dt.date.fromordinal(ordinal).year)

    def _year(self, year: int) -> _YearTable:
        table = self._years.get(year)
        if table is None:
            table = self._years[year] = self._build_year(year)
        return table

    def official_year(self, year: int) -> OfficialYear | None:
        """The published calendar of `year`: an imported file, else the package's; None without a country."""
        for imported in self.official_years:
            if imported.year == year:
                return imported
        return package_year(self.country, year) if self.country is not None else None

    def has_official_data(self, year: int) -> bool:
        """True when `year` is known as published: an imported file, or the package knows its decree."""
        if any(imported.year == year for imported in self.official_years):
            return True
        return self.country is None or package_has_decree(self.country, year)

    def _build_year(self, year: int) -> _YearTable:
        """The production calendar of `year` with the company's overrides applied."""
        official = self.official_year(year)
        reasons = official.reasons() if official else {}
        weekend_work = official.working_days if official else frozenset()
        shortened = (official.shortened if official else frozenset()) | self.extra_shortened_days
        days, short, before = [], set(), [0]
        day = dt.date(year, 1, 1)
        while day.year == year:
            working = (day.weekday() not in self.weekend and day not in reasons) or day in weekend_work
            if day in self.extra_days_off:
                reasons[day] = COMPANY_DAY_OFF
            elif working or day in self.extra_working_days or day in self.extra_shortened_days:
                is_short = day in shortened and self.shortened_by > dt.timedelta(0)
                days.append(day.toordinal())
                short.update((day.toordinal(),) if is_short else ())
                before.append(before[-1] + _length(self._short_intervals if is_short else self._intervals))
            day += dt.timedelta(days=1)
        return _YearTable(tuple(days), frozenset(days), frozenset(short), tuple(before),
                          {d.toordinal(): reason for d, reason in reasons.items()})
