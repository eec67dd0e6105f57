"""OData filter expressions for Azure AI Search, built from our values (no SDK needed).

Every value that reaches a filter goes through `odata_literal`, so a group id or document id that
contains a quote stays one string literal and can never change the shape of the expression.
"""
from __future__ import annotations

from collections.abc import Iterable

# search.in splits its value list at this delimiter; ids containing it use `eq` clauses instead.
_IN_DELIMITER = ","


def odata_literal(value: str) -> str:
    """A quoted OData string literal: a single quote inside the value is doubled."""
    return "'" + value.replace("'", "''") + "'"


def group_filter(field: str, groups: Iterable[str]) -> str:
    """What an asker in `groups` may see: public passages (an empty `field` collection) and
    passages shared with at least one of the groups.

    search.in is the fast form for many values; it cannot carry its own delimiter, so any group
    id containing one makes the filter fall back to explicit `eq` comparisons.
    """
    wanted = sorted({g for g in groups if g})
    public = f"not {field}/any()"
    if not wanted:
        return public
    if any(_IN_DELIMITER in g for g in wanted):
        matches = " or ".join(f"g eq {odata_literal(g)}" for g in wanted)
    else:
        matches = f"search.in(g, {odata_literal(_IN_DELIMITER.join(wanted))}, {odata_literal(_IN_DELIMITER)})"
    return f"{public} or {field}/any(g: {matches})"


def equals(field: str, value: str) -> str:
    return f"{field} eq {odata_literal(value)}"


def any_of(field: str, values: Iterable[str]) -> str:
    """`field` equal to one of the values (an empty list matches nothing)."""
    clauses = [equals(field, v) for v in values]
    return " or ".join(clauses) if clauses else "false"
