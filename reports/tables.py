"""A report table as the screen, the CSV download and the weekly email all show it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Cell = Any
# The row's key as its own CSV column where the label alone does not identify it.
KEY_HEADERS = {"salesperson": "Email", "dealership": "Slug"}


@dataclass(frozen=True)
class Column:
    """One column; `figure` names the leads behind its numbers (`reports.figures`) when a click
    on a number should list them, `kind` says how to show it (count, minutes, share, text)."""

    key: str
    label: str
    kind: str = "count"
    figure: str = ""
    csv_only: bool = False  # too much for a phone screen; in the download


@dataclass
class Table:
    slug: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Cell]] = field(default_factory=list)
    group: str = ""  # the grouping of the row keys (reports.queries.GROUPINGS), for drill-down links
    note: str = ""

    @property
    def screen_columns(self) -> list[Column]:
        return [column for column in self.columns if not column.csv_only]

    def csv_rows(self) -> list[list[str]]:
        """Header then rows, numbers as numbers (minutes to one decimal, shares as percentages)."""
        key_header = KEY_HEADERS.get(self.group)
        header = [f"{column.label} (%)" if column.kind == "share" else column.label for column in self.columns]
        lines = [[key_header, *header] if key_header else header]
        for row in self.rows:
            cells = [_csv_cell(row.get(column.key), column.kind) for column in self.columns]
            lines.append([row.get("key") or "", *cells] if key_header else cells)
        return lines


def _csv_cell(value: Cell, kind: str) -> str:
    if value is None:
        return ""
    if kind == "share":
        return f"{value * 100:.1f}"
    if kind == "minutes":
        return f"{value:.1f}"
    return str(value)


def shares(row: dict[str, Cell], whole: str, parts: dict[str, str]) -> None:
    """Add share columns: parts maps a new key to the count it divides by row[whole]."""
    for new, part in parts.items():
        row[new] = row[part] / row[whole] if row[whole] else None


Builder = Callable[..., Table]
