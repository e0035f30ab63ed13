"""`modelward ledger`: what each model and project cost, what it earned, and the ROI."""

from __future__ import annotations

import typer
from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from modelward.cli.context import JSON_OPTION, output, workspace
from modelward.evaluation import money
from modelward.ledger import CurrencyTotal, Ledger, Line, ProjectLedger, Roi, ledger

ESTIMATE = "~"  # marks a figure that is an estimate, not a measurement


def ledger_command(
    ctx: typer.Context,
    project: str | None = typer.Option(None, "--project", help="Only this project."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Costs (compute, storage, serving, monitoring, energy), value realized and ROI per model,
    per project and for the portfolio; hidden costs shown beside the models."""
    with workspace(ctx) as ws:
        book = ledger(ws, project=project)
    output(as_json).result(book.to_json(), lambda: _view(book))


def _view(book: Ledger) -> RenderableType:
    parts: list[RenderableType] = [Text(f"Ledger as of {book.at[:19]} UTC", style="bold")]
    for project in book.projects:
        parts.extend(_project_view(project))
    parts.append(_portfolio_view(book.portfolio))
    parts.append(Text(f"{ESTIMATE} estimate. Assumptions:", style="dim"))
    parts.extend(Text(f"  - {a}", style="dim") for a in book.assumptions)
    return Group(*parts)


def _project_view(project: ProjectLedger) -> list[RenderableType]:
    cur = project.currency
    view = Table(
        "line",
        "stage",
        "CPU s",
        "MB",
        "requests",
        f"cost {cur}",
        "value added",
        "ROI",
        title=f"{project.project} ({cur})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
    )
    for line in project.models:
        view.add_row(*_cells(line))
    view.add_section()
    for line in project.hidden:
        view.add_row(*_cells(line))
    view.add_section()
    costs = project.costs
    view.add_row(
        Text("total", style="bold"),
        "",
        *_usage_cells(project.lines),
        _money(costs.total),
        _money(project.value),
        _roi(project.roi),
        style="bold",
    )
    energy = (
        f"  energy {ESTIMATE}{costs.kwh:.3g} kWh ({_money(costs.energy)} {cur}), "
        f"CO2 {ESTIMATE}{costs.co2_kg:.3g} kg"
    )
    notes = [*project.notes, *_value_notes(project.models), *map(_notes, project.hidden)]
    notes.append(project.roi.note)
    return [view, Text(energy), *(Text(f"  {n}", style="dim") for n in notes if n)]


def _cells(line: Line) -> list[str]:
    """A line's row; hidden costs leave value and ROI blank (they earn nothing themselves)."""
    value = "" if line.value is None else _money(line.value.incremental)
    roi = "" if line.roi is None else _roi(line.roi)
    head = [line.name, line.stage or "", *_usage_cells((line,))]
    return [*head, _money(line.costs.total), value, roi]


def _usage_cells(lines: tuple[Line, ...]) -> list[str]:
    usage = [line.costs.usage for line in lines]
    estimated = {e for line in lines for e in line.estimates}
    cpu = sum(u.cpu_seconds for u in usage)
    stored = sum(u.storage_bytes for u in usage) / 1e6
    return [
        f"{cpu:,.1f}",
        _mark(f"{stored:,.2f}", "storage" in estimated),
        f"{sum(u.requests for u in usage):,}",
    ]


def _notes(line: Line) -> str:
    return f"{line.name}: {'; '.join(line.notes)}" if line.notes else ""


def _value_notes(models: tuple[Line, ...]) -> list[str]:
    """Why models' value is not priced, once per reason (it is usually the same for all)."""
    named: dict[str, list[str]] = {}
    for line in models:
        if line.notes:
            named.setdefault("; ".join(line.notes), []).append(line.name)
        if line.value is not None and not line.value.priced:
            named.setdefault(line.value.reason, []).append(line.name)
    return [f"{', '.join(names)}: {reason}" for reason, names in named.items()]


def _portfolio_view(totals: tuple[CurrencyTotal, ...]) -> Table:
    headers = ("currency", "projects", "cost", "value added", "ROI", "CPU s", "kWh", "CO2 kg")
    view = Table(
        *headers,
        title="portfolio (one total per currency)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
    )
    for total in totals:
        view.add_row(
            total.currency,
            ", ".join(total.projects),
            _money(total.costs.total),
            _money(total.value),
            _roi(total.roi),
            f"{total.costs.usage.cpu_seconds:,.1f}",
            f"{ESTIMATE}{total.costs.kwh:.3g}",
            f"{ESTIMATE}{total.costs.co2_kg:.3g}",
        )
    return view


def _money(value: float | None) -> str:
    return "-" if value is None else money(value)


def _roi(roi: Roi) -> str:
    """A percentage; "cost ~0" where the cost is too small for a ratio to mean anything."""
    if roi.value is None:
        return "-"
    return "cost ~0" if roi.negligible else f"{roi.value:+,.0%}"


def _mark(text: str, estimate: bool) -> str:
    return f"{ESTIMATE}{text}" if estimate else text
