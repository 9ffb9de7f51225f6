"""A published table as rows of text (the CLI's table and CSV) and as JSON. Suppressed cells are `x`
in text (the statistical offices' mark) and null in JSON."""

from __future__ import annotations

import csv
import io
from typing import Any

from accord.reports.aggregate import Window
from accord.reports.spec import UNITS
from accord.reports.suppress import Published

HIDDEN = "x"


def header(published: Published) -> list[str]:
    table = published.table
    names = [*table.spec.rows, *table.column_keys]
    return [*names, "total"] if table.has_columns else names


def text_rows(published: Published) -> list[list[str]]:
    """The body and the total row, as strings."""
    table = published.table
    last = published.columns if table.has_columns else 0
    out = []
    for row in range(published.rows + 1):
        key = list(table.row_keys[row]) if row < published.rows else ["total", *[""] * (len(table.spec.rows) - 1)]
        values = [published.value(row, column) for column in range(last + 1)]
        out.append([*key, *(HIDDEN if v is None else str(v) for v in values)])
    return out


def to_csv(published: Published) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header(published))
    writer.writerows(text_rows(published))
    return buffer.getvalue()


def describe(window: Window) -> dict[str, str]:
    return {
        "as_of": window.as_of.isoformat(),
        "known_at": window.known_at.isoformat(),
        "from": window.first.isoformat(),
        "until": window.end.isoformat(),
    }


def to_json(published: Published, suppressed: bool) -> dict[str, Any]:
    table = published.table
    spec = table.spec
    last = published.columns
    body = [
        {
            "key": dict(zip(spec.rows, table.row_keys[row], strict=True)),
            "cells": [published.value(row, column) for column in range(last)],
            **({"total": published.value(row, last)} if table.has_columns else {}),
        }
        for row in range(published.rows)
    ]
    return {
        "report": spec.id,
        "title": spec.title,
        "measure": spec.measure,
        "unit": UNITS[spec.measure],
        **describe(table.window),
        "rows": list(spec.rows),
        "columns": {"dimension": spec.columns, "keys": list(table.column_keys)},
        "filters": {d: list(v) for d, v in spec.filters.items()},
        "suppression": {"k": spec.k, "applied": suppressed, "cells_suppressed": len(published.hidden)},
        "body": body,
        "column_totals": [published.value(published.rows, column) for column in range(last)],
        "total": published.value(published.rows, last if table.has_columns else 0),
    }
