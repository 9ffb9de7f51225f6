"""`accord report SPEC` and `accord cost AGREEMENT`: aggregates safe to publish, and what an agreement
cost against domestic detention (docs/reports.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from accord.billing.errors import BillingError
from accord.billing.months import Month
from accord.cli.common import UserError, console, database_url, parse_instant, user_errors
from accord.cli.decide import now_utc
from accord.reports import render
from accord.reports.cost import CostModel
from accord.reports.rates import load_rates
from accord.reports.spec import UNITS, load_spec, shipped
from accord.services.reports import ReportResult, cost_of, run_report, write_chart
from accord.store import NothingStored, UnitOfWork


class ReportFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    png = "png"
    svg = "svg"


class CostFormat(StrEnum):
    table = "table"
    json = "json"


@contextmanager
def _report_errors() -> Iterator[None]:
    with user_errors():
        try:
            yield
        except BillingError as exc:
            raise UserError(str(exc)) from exc
        except NothingStored as exc:
            raise UserError(f"the database at {database_url()} holds no world: run `accord import` first") from exc


def _month(text: str | None, option: str, default: Month) -> Month:
    if text is None:
        return default
    try:
        return Month.parse(text)
    except BillingError as exc:
        raise UserError(f"{option}: {exc}") from exc


def months_back(month: Month, count: int) -> Month:
    index = month.year * 12 + month.month - 1 - count
    return Month(index // 12, index % 12 + 1)


def report(
    spec_name: str = typer.Argument(
        ..., metavar="SPEC", help=f"A shipped report ({', '.join(sorted(shipped()))}) or an accord.report/1 file."
    ),
    as_of: str | None = typer.Option(None, "--as-of", help="Count what happened by this instant (default: now)."),
    known_at: str | None = typer.Option(
        None,
        "--known-at",
        help="As Accord knew it at this instant (default: now: everything recorded so far, so that steps "
        "recorded after they happened count; give --as-of to see what was known then).",
    ),
    first: str | None = typer.Option(None, "--from", help="First month, YYYY-MM (default: 11 months before --to)."),
    last: str | None = typer.Option(None, "--to", help="Last month, YYYY-MM (default: the month of --as-of)."),
    output: ReportFormat = typer.Option(ReportFormat.table, "--format", help="table, csv, json, png or svg."),
    out: Path | None = typer.Option(None, "--out", help="Write here (charts default to SPEC.png / SPEC.svg)."),
    unsuppressed: bool = typer.Option(
        False, "--unsuppressed", help="Every cell as counted, for internal use (refused for public reports)."
    ),
) -> None:
    """An aggregate report over the database: counts grouped as the definition says, cells of fewer than k
    people suppressed with their complements, so that no suppressed cell can be recovered from totals."""
    with _report_errors():
        spec = load_spec(spec_name)
        if unsuppressed and spec.public:
            raise UserError(f"report {spec.id} is public: it is always suppressed (k = {spec.k})")
        instant = parse_instant(as_of) if as_of else now_utc()
        known = parse_instant(known_at, "--known-at") if known_at else now_utc()
        to = _month(last, "--to", Month.of(instant.date()))
        start = _month(first, "--from", months_back(to, 11))
        if to < start:
            raise UserError(f"--to {to} is before --from {start}")
        with UnitOfWork(database_url()) as uow:
            result = run_report(uow.connection, spec, instant, known, start, to, suppressed=not unsuppressed)
        _print_report(result, output, out)


def _print_report(result: ReportResult, output: ReportFormat, out: Path | None) -> None:
    published = result.published
    if output in (ReportFormat.png, ReportFormat.svg):
        path = out or Path(f"{result.spec.id}.{output.value}")
        write_chart(result, path)
        console.print(f"wrote {path}", markup=False, highlight=False)
        return
    if output is ReportFormat.json:
        text = json.dumps({**render.to_json(published, result.suppressed), "title_full": result.title}, indent=2)
    elif output is ReportFormat.csv:
        text = render.to_csv(published)
    else:
        console.print(report_table(result))
        return
    if out is None:
        typer.echo(text, nl=False) if output is ReportFormat.csv else typer.echo(text)
    else:
        out.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def report_table(result: ReportResult) -> Table:
    """The report as a Rich table: the title says what, where and when; the caption the unit and the
    suppression."""
    published = result.published
    spec = result.spec
    hidden = len(published.hidden)
    suppression = (
        f"x: suppressed ({hidden} cells: fewer than {spec.k} people, and their complements)"
        if result.suppressed
        else "NOT SUPPRESSED: for internal use only"
    )
    table = Table(
        title=result.title,
        title_justify="left",
        caption=f"{UNITS[spec.measure]}. {suppression}",
        caption_justify="left",
    )
    for position, name in enumerate(render.header(published)):
        table.add_column(name, justify="left" if position < len(spec.rows) else "right")
    rows = render.text_rows(published)
    for position, row in enumerate(rows):
        table.add_row(*row, end_section=position == len(rows) - 2)
    return table


def cost(
    agreement: str = typer.Argument(..., help="The agreement's id."),
    first: str = typer.Option(..., "--from", help="First month, YYYY-MM."),
    last: str = typer.Option(..., "--to", help="Last month, YYYY-MM (included)."),
    rates: Path | None = typer.Option(None, "--rates", help="An accord.rates/1 file (default: the shipped rates)."),
    output: CostFormat = typer.Option(CostFormat.table, "--format", help="table or json."),
    chart: Path | None = typer.Option(None, "--chart", help="Write the sensitivity chart here (.png or .svg)."),
) -> None:
    """What the agreement cost (fees from issued invoices or the custody record, flights from block hours)
    against holding the same people in domestic detention; the break-even occupancy."""
    with _report_errors():
        start, end = Month.parse(first), Month.parse(last)
        if end < start:
            raise UserError(f"--to {end} is before --from {start}")
        rate_file = load_rates(rates)
        with UnitOfWork(database_url()) as uow:
            model = cost_of(uow.connection, agreement, start, end, rate_file)
        if chart is not None:
            from accord.reports.charts import sensitivity_chart

            if chart.suffix.lower() not in (".png", ".svg"):
                raise UserError(f"--chart {chart}: write a .png or .svg file")
            sensitivity_chart(model, cost_title(model, start, end), chart)
        if output is CostFormat.json:
            typer.echo(json.dumps(cost_json(model), indent=2))
        else:
            _print_cost(model, start, end)
        if chart is not None:
            console.print(f"wrote {chart}", markup=False, highlight=False)


def cost_title(model: CostModel, first: Month, last: Month) -> str:
    return (
        f"Cost per occupied bed-day under {model.inputs.agreement} against domestic detention — "
        f"paid by {model.inputs.payer} — {first} to {last}"
    )


def _money(value: Any, currency: str) -> str:
    return "" if value is None else f"{value:,.2f} {currency}"


def _share(value: Any) -> str:
    return "never" if value is None else f"{value:.1%}"


def cost_json(model: CostModel) -> dict[str, Any]:
    inputs = model.inputs
    return {
        "agreement": inputs.agreement,
        "currency": inputs.currency,
        "payer": inputs.payer,
        "months": [
            {
                "month": m.month,
                "fees": f"{m.fees:.2f}",
                "flights": f"{m.flights:.2f}",
                "bed_days": m.bed_days,
                "source": m.source,
            }
            for m in inputs.months
        ],
        "fees": f"{model.fees:.2f}",
        "flights": f"{model.flights:.2f}",
        "total": f"{model.total:.2f}",
        "bed_days": model.bed_days,
        "per_bed_day": None if model.per_bed_day is None else f"{model.per_bed_day:.2f}",
        "domestic_rate": {
            "amount": str(model.rate.amount),
            "currency": model.rate.currency,
            "source": model.rate.source,
        },
        "alternative": f"{model.alternative:.2f}",
        "difference": f"{model.total - model.alternative:.2f}",
        "places": inputs.places,
        "occupancy": None if model.occupancy is None else f"{model.occupancy:.4f}",
        "break_even_occupancy": None if model.break_even is None else f"{model.break_even:.4f}",
    }


def _print_cost(model: CostModel, first: Month, last: Month) -> None:
    currency = model.inputs.currency
    table = Table(title=cost_title(model, first, last), title_justify="left")
    for column in ("month", "fees", "flights", "bed-days", "fees from"):
        table.add_column(column, justify="left" if column in ("month", "fees from") else "right")
    for m in model.inputs.months:
        table.add_row(m.month, _money(m.fees, currency), _money(m.flights, currency), f"{m.bed_days:,}", m.source)
    table.add_row(
        "all",
        _money(model.fees, currency),
        _money(model.flights, currency),
        f"{model.bed_days:,}",
        "",
        end_section=True,
    )
    console.print(table)
    lines = [
        f"agreement cost: {_money(model.total, currency)}; "
        f"per bed-day: {_money(model.per_bed_day, currency) or 'no bed-days'}",
        f"the same {model.bed_days:,} bed-days in domestic detention at {model.rate.amount} {model.rate.currency}: "
        f"{_money(model.alternative, currency)} (difference {_money(model.total - model.alternative, currency)})",
        f"occupancy of the {model.inputs.places or 'unlimited'} places: {_share(model.occupancy)}; "
        f"break-even occupancy: {_share(model.break_even)}",
        f"rate source: {model.rate.source}",
    ]
    for line in lines:
        console.print(line, markup=False, highlight=False)


def print_shipped_reports(url: str, as_of: datetime, first: Month, last: Month, charts: Path) -> None:
    """Every shipped report as a table, and its chart as PNG and SVG in `charts` (what `accord demo` shows)."""
    with UnitOfWork(url) as uow:
        now = now_utc()  # as known now: the evening's steps are recorded when the demo runs
        results = [run_report(uow.connection, load_spec(name), as_of, now, first, last) for name in sorted(shipped())]
    for result in results:
        console.print(report_table(result))
        for suffix in ("png", "svg"):
            write_chart(result, charts / f"{result.spec.id}.{suffix}")
    console.print(f"charts written to {charts}/ (PNG and SVG)", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.command("report")(report)
    app.command("cost")(cost)
