"""The bounds of every number and date the API takes, so an absurd one is a 422 naming the field, never a 500 from
the database driver ("int too large", "integer out of range", a year-9999 overflow).

Ids and counts stop at 2**31 - 1: the id columns are PostgreSQL INTEGERs, 32-bit, so a bigger id names nothing,
and no table can hold more rows than its ids count (SQLite's 64-bit integers would let 2**53 or 2**63 - 1 through,
only for PostgreSQL to fail on them). The types come from the domain's limits, which its filters use too."""

from typing import Annotated

from fastapi import Query

from app.domain.limits import INT_MAX, Count, Id, Moment, Money

__all__ = ['Count', 'Id', 'Limit', 'Moment', 'Money', 'Offset']

PAGE_MAX = 500

Limit = Annotated[int, Query(ge=1, le=PAGE_MAX)]
Offset = Annotated[int, Query(ge=0, le=INT_MAX)]
