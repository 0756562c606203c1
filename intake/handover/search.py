"""The FHIR API's search parameters, and its pages in order of last change.

Supported (docs/integration.md): `_lastUpdated` (prefixes gt, ge, lt, le, eq; repeat it for a
range; a date or a date-time with its time zone), `_id` (comma-separated), `_count` (1-100,
default 50), and `_cursor`, the opaque token of the next page's link. Anything else is a bad
request (400): a misspelt parameter must not silently return everything.

Pages are keyset pages, in order of (last change, id): each is one query however deep, and a
row changed while a client pages reappears on a later page rather than being skipped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db.models import Model, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

DEFAULT_COUNT = 50
MAX_COUNT = 100
MAX_IDS = 100
# A FHIR id (R4 "id" datatype).
ID_RE = re.compile(r"[A-Za-z0-9\-.]{1,64}")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
PREFIXES = ("gt", "ge", "lt", "le", "eq")
# `_format` values that mean this server's only format.
JSON_FORMATS = frozenset({"json", "application/json", "application/fhir+json"})
CURSOR_SALT = "intake.handover.search.cursor"


class BadParameter(ValueError):
    """A search parameter the API cannot use: the message says which and why (HTTP 400)."""


@dataclass(frozen=True)
class Search:
    """What one page asks for: the filter, how many, and where the previous page ended."""

    filters: Q
    count: int


def _instant(text: str) -> tuple[dt.datetime, dt.datetime | None]:
    """(start, end of the day) for a date, (the moment, None) for a date-time."""
    if DATE_RE.fullmatch(text):
        day = dt.date.fromisoformat(text)
        start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        return start, start + dt.timedelta(days=1)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise BadParameter(f"_lastUpdated: {text!r} is not a date or a date-time") from None
    if moment.tzinfo is None:
        raise BadParameter(f"_lastUpdated: {text!r} needs its time zone (Z or +hh:mm)")
    return moment, None


def last_updated(field: str, value: str) -> Q:
    """One `_lastUpdated` value, e.g. gt2026-12-01T09:00:00Z, as a filter on `field`."""
    prefix, text = (value[:2], value[2:]) if value[:2] in PREFIXES else ("eq", value)
    start, end = _instant(text)
    if end is None:  # a moment
        lookup = {"gt": "gt", "ge": "gte", "lt": "lt", "le": "lte", "eq": "exact"}[prefix]
        return Q(**{f"{field}__{lookup}": start})
    # A day: [start, end).
    return {
        "gt": Q(**{f"{field}__gte": end}),
        "ge": Q(**{f"{field}__gte": start}),
        "lt": Q(**{f"{field}__lt": start}),
        "le": Q(**{f"{field}__lt": end}),
        "eq": Q(**{f"{field}__gte": start, f"{field}__lt": end}),
    }[prefix]


def ids(value: str, *, by_reference: bool) -> Q:
    """`_id=a,b,c`: any of them. Ids that are not row numbers match nothing (no error)."""
    wanted = [part.strip() for part in value.split(",") if part.strip()]
    if not wanted or len(wanted) > MAX_IDS:
        raise BadParameter(f"_id: between 1 and {MAX_IDS} ids, separated by commas")
    for part in wanted:
        if not ID_RE.fullmatch(part):
            raise BadParameter(f"_id: {part!r} is not a FHIR id")
    if by_reference:
        return Q(reference__in=wanted)
    return Q(pk__in=[int(part) for part in wanted if part.isdigit()])


def _count(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= MAX_COUNT:
        raise BadParameter(f"_count: a whole number from 1 to {MAX_COUNT}")
    return int(value)


def cursor(row: Model, *, kind: str, updated: str | None) -> str:
    """The opaque token of the page after `row` (signed: a changed one is refused)."""
    moment = getattr(row, updated).isoformat() if updated else None
    return signing.dumps([kind, moment, row.pk], salt=CURSOR_SALT, compress=True)


def _after(token: str, *, kind: str, updated: str | None) -> Q:
    """Rows after the cursor's, in the page order."""
    try:
        token_kind, moment, pk = signing.loads(token, salt=CURSOR_SALT)
        if token_kind != kind or not isinstance(pk, int):
            raise ValueError(token_kind)
        if updated is None:
            return Q(pk__gt=pk)
        after = dt.datetime.fromisoformat(moment)
    except (signing.BadSignature, ValueError, TypeError):
        raise BadParameter("_cursor: not a page token of this search") from None
    return Q(**{f"{updated}__gt": after}) | Q(**{updated: after, "pk__gt": pk})


def parse(params: QueryDict, *, kind: str, by_reference: bool, updated: str | None) -> Search:
    """The page a query string asks for; BadParameter for anything the API does not offer."""
    allowed = {"_id", "_count", "_cursor", "_format"} | ({"_lastUpdated"} if updated else set())
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise BadParameter(
            f"{', '.join(unknown)}: not supported here; {kind} can be searched by "
            f"{', '.join(sorted(allowed - {'_format', '_cursor'}))}"
        )
    filters = Q()
    if updated is not None:
        for value in params.getlist("_lastUpdated"):
            filters &= last_updated(updated, value)
    for value in params.getlist("_id"):
        filters &= ids(value, by_reference=by_reference)
    for value in params.getlist("_cursor"):
        filters &= _after(value, kind=kind, updated=updated)
    for value in params.getlist("_format"):
        if value not in JSON_FORMATS:
            raise BadParameter("_format: this server speaks JSON only")
    count = _count(str(params["_count"])) if "_count" in params else DEFAULT_COUNT
    return Search(filters=filters, count=count)


def page(rows: QuerySet[Any], search: Search, *, updated: str | None) -> tuple[list[Any], bool]:
    """One page of `rows` in order of last change (then id), and whether more follow. One
    query: a row more than the page is read to know."""
    order: Sequence[str] = (updated, "pk") if updated else ("pk",)
    found = list(rows.filter(search.filters).order_by(*order)[: search.count + 1])
    return found[: search.count], len(found) > search.count
