"""How report numbers are shown, and the link from a number to the leads behind it."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import QueryDict
from django.urls import reverse

from reports.tables import Column, Table

register = template.Library()


@register.filter
def figure(value: Any, kind: str) -> str:
    """A cell as a person reads it: 42%, 12.5 (minutes), 7, or — for nothing to show."""
    if value is None:
        return "—"
    if kind == "share":
        return f"{value * 100:.0f}%"
    if kind == "minutes":
        return f"{value:.1f}"
    return str(value)


@register.filter
def cell(row: dict[str, Any], key: str) -> Any:
    return row.get(key)


@register.simple_tag
def figure_url(query: str, table: Table, column: Column, row: dict[str, Any]) -> str:
    """The leads behind this number, or "" when it has none to list (or it is 0)."""
    if not column.figure or not row.get(column.key) or "key" not in row or not table.group:
        return ""
    params = QueryDict(query, mutable=True)
    for extra in ("figure", "group", "key", "page"):
        params.pop(extra, None)
    params["figure"] = column.figure
    params["group"] = table.group
    params["key"] = row["key"] or ""
    return f"{reverse('report-figure')}?{params.urlencode()}"


@register.simple_tag
def csv_url(query: str, table: Table) -> str:
    return f"{reverse('report-csv', args=[table.slug])}?{query}" if query else reverse("report-csv", args=[table.slug])
