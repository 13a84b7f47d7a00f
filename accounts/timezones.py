"""The time zones a learner can pick: IANA names that zoneinfo can load here."""

from __future__ import annotations

import functools
import zoneinfo

# Present in the tz database but meaningless as a learner's home zone.
_NOT_OFFERED = {"Factory", "localtime", "posixrules"}


@functools.cache
def timezone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones() - _NOT_OFFERED))


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in timezone_names()]


def is_known_timezone(name: str) -> bool:
    return name in timezone_names()
