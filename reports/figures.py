"""A figure on a commissioning report: one table of data, shown three ways from the same rows.

- a **chart** (an inline SVG bar chart, drawn on the server: no script, nothing for a CSP to allow),
  labelled for screen readers by the figure's title and text summary;
- the **table** beside it with exactly the chart's numbers (the accessible form, WCAG 1.1.1);
- **CSV and XLSX** downloads of the same rows, with every text cell neutralised against formula
  injection (``core.text.safe_text``).

Money is integer pence in the rows; it is written as pounds and pence on the page and in the files.
Selectors build figures (``reports/dashboard.py``); views only choose which one to render or send.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from core import formatting
from core.text import safe_text
from core.xlsx import table_xlsx

# NHS.UK colours, each at least 3:1 against white (WCAG 1.4.11), told apart in the legend by name.
PALETTE = ("#005eb8", "#007f3b", "#330072", "#d5281b", "#ae2573", "#4c6272", "#003087")


money = formatting.money  # the one formatter of money on a page (files write pounds, no sign)


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "count"  # "text", "count", "money" (pence) or "percent" (a Decimal)

    @property
    def numeric(self) -> bool:
        return self.kind != "text"

    def display(self, value) -> str:
        if value is None:
            return "–"
        if self.kind == "money":
            return money(value)
        if self.kind == "percent":
            return f"{value}%"
        if self.kind == "count":
            return f"{value:,}"
        return str(value)

    def export(self, value):
        """The cell in a CSV or XLSX file: pounds as an exact decimal, text made safe."""
        if value is None:
            return ""
        if self.kind == "money":
            return (Decimal(value) / 100).quantize(Decimal("0.01"))
        if self.kind == "text":
            return safe_text(str(value))
        return value


@dataclass(frozen=True)
class Figure:
    """``rows`` are tuples in ``columns`` order; the first column names each row (a quarter, a PCN).
    ``series`` are the indexes of the numeric columns the chart draws (all of one kind)."""

    slug: str
    title: str
    summary: str
    columns: tuple[Column, ...]
    rows: list[tuple]
    series: tuple[int, ...] = ()
    stacked: bool = False
    note: str = ""
    # A closing "Total" row (same columns): shown under the table and written last in the files,
    # never drawn in the chart.
    totals: tuple | None = None

    def display_rows(self) -> list[list[tuple[str, bool]]]:
        """Each cell as (text, numeric) for the page's table."""
        return [
            [
                (column.display(value), column.numeric)
                for column, value in zip(self.columns, row, strict=True)
            ]
            for row in self.rows
        ]

    def display_totals(self) -> list[tuple[str, bool]]:
        if self.totals is None:
            return []
        return [
            (column.display(value) if value is not None else "", column.numeric)
            for column, value in zip(self.columns, self.totals, strict=True)
        ]

    @property
    def filename(self) -> str:
        return self.slug

    def export_rows(self) -> list[list]:
        header = [column.label for column in self.columns]
        rows = self.rows + ([self.totals] if self.totals is not None else [])
        return [header] + [
            [column.export(value) for column, value in zip(self.columns, row, strict=True)]
            for row in rows
        ]

    def csv_bytes(self) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        for row in self.export_rows():
            writer.writerow(["" if cell is None else cell for cell in row])
        return out.getvalue().encode("utf-8-sig")  # Excel reads UTF-8 with the mark

    def xlsx_bytes(self) -> bytes:
        """The same rows as one sheet, the header bold and pounds formatted (``core.xlsx``: written
        directly, not through openpyxl's cell objects, issue 18)."""
        header, *rows = self.export_rows()
        title = safe_text(self.title)[:31]
        for forbidden in "[]:*?/\\":
            title = title.replace(forbidden, "-" if forbidden == "/" else " ")
        return table_xlsx(
            title,
            header,
            rows,
            {i: "£#,##0.00" for i, column in enumerate(self.columns) if column.kind == "money"},
        )

    @property
    def chart(self) -> Chart | None:
        return bar_chart(self) if self.series and self.rows else None


# -- the chart ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str  # for the bar's <title>: "2019/20 Q1, On time: 12"


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    label_width: int
    plot_width: int
    bars: list[Bar]
    categories: list[tuple[float, str]]  # (y of the label's baseline, text)
    ticks: list[tuple[float, str]]  # (x, text)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (colour, series name)


def nice_ceiling(value: float) -> float:
    """The axis end: 1, 2, 2.5 or 5 times a power of ten, at or above ``value``."""
    if value <= 0:
        return 1
    power = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover (the loop always returns)


def bar_chart(figure: Figure) -> Chart:
    """Horizontal bars, one group (or one stack) per row, one bar per series."""
    columns = [figure.columns[i] for i in figure.series]
    values = [[row[i] or 0 for i in figure.series] for row in figure.rows]
    largest = max((sum(v) if figure.stacked else max(v)) for v in values) if values else 0
    top = nice_ceiling(largest)
    label_width, plot_width, bar_height, gap = 170, 420, 16, 12
    per_group = bar_height if figure.stacked else bar_height * len(columns)
    bars: list[Bar] = []
    categories: list[tuple[float, str]] = []
    y = 24.0
    for row, row_values in zip(figure.rows, values, strict=True):
        categories.append((y + per_group / 2 + 4, str(row[0])))
        x = float(label_width)
        for index, (column, value) in enumerate(zip(columns, row_values, strict=True)):
            width = plot_width * value / top
            colour = PALETTE[index % len(PALETTE)]
            label = f"{row[0]}, {column.label}: {column.display(value)}"
            if figure.stacked:
                bars.append(Bar(x, y, width, bar_height, colour, label))
                x += width
            else:
                bars.append(Bar(x, y + index * bar_height, width, bar_height, colour, label))
        y += per_group + gap
    kind = columns[0]
    ticks = [
        (label_width + plot_width * step / 4, kind.display(_tick_value(top * step / 4, kind)))
        for step in range(5)
        if kind.kind != "count" or (top * step / 4).is_integer()  # no "0.5 worksheets"
    ]
    legend = [(PALETTE[i % len(PALETTE)], c.label) for i, c in enumerate(columns)]
    return Chart(
        width=label_width + plot_width + 40,
        height=int(y + 10),
        label_width=label_width,
        plot_width=plot_width,
        bars=bars,
        categories=categories,
        ticks=ticks,
        legend=legend,
    )


def _tick_value(value: float, column: Column):
    if column.kind == "money":
        return int(round(value))
    if column.kind == "percent":
        return Decimal(str(round(value, 1)))
    return int(round(value))
