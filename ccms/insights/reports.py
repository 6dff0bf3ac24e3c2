"""Reports: the monthly provider report for the board (PDF), and every table of the insights pages
as CSV or Excel. All of them are built from the same tables the pages show."""

from __future__ import annotations

import io
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook
from openpyxl.styles import Font

from ccms.attendance.reports import csv_text
from ccms.billing.pdf import BRAND, INK, MUTED, DocumentPDF, plain
from ccms.billing.statements import issuer_of
from ccms.insights import dashboard, display
from ccms.insights.coaching import PLAN_METRICS, Progress
from ccms.insights.dashboard import TableData
from ccms.insights.queries import Month

GOOD, WARN, BAD = (30, 122, 60), (138, 90, 0), (180, 35, 24)
STATUS_COLOURS = {"green": GOOD, "yellow": WARN, "red": BAD}


# Exports -----------------------------------------------------------------------------------------


def to_csv(table: TableData) -> str:
    return csv_text(table.header, table.rows)


def _cell_value(text):
    """Numbers as numbers in Excel (so a sheet can add them up); the rest as text."""
    if isinstance(text, int | Decimal):
        return text
    raw = str(text).replace("$", "").replace(",", "").replace("−", "-").strip()
    percent = raw.endswith("%")
    try:
        value = Decimal(raw.rstrip("%"))
    except InvalidOperation:  # not a number: keep the text
        return str(text)
    return value / 100 if percent else value


def to_xlsx(tables: list[TableData]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.name[:31])
        sheet.append(table.header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            values = [_cell_value(v) if i in table.numeric else str(v) for i, v in enumerate(row)]
            sheet.append(values)
            for index, raw in enumerate(row):
                if index in table.numeric and str(raw).endswith("%"):
                    sheet.cell(row=sheet.max_row, column=index + 1).number_format = "0.00%"
                elif index in table.numeric and "$" in str(raw):
                    sheet.cell(row=sheet.max_row, column=index + 1).number_format = "#,##0.00"
        for column in sheet.columns:
            width = max(len(str(c.value or "")) for c in column) + 2
            sheet.column_dimensions[column[0].column_letter].width = min(width, 48)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def provider_tables(month: Month, trend: list[Month]) -> dict[str, TableData]:
    tables = [
        dashboard.summary_table(month),
        dashboard.age_group_table(month),
        dashboard.classroom_table(month),
        dashboard.aging_table(month),
        dashboard.trend_table(trend),
    ]
    return {t.name: t for t in tables}


# The monthly provider report ---------------------------------------------------------------------


class ReportPDF(DocumentPDF):
    def side(self, title: str, status: str | None, headline: str, lines: list[str]) -> None:
        """One side of the triangle: a coloured bar, the status in words, the figures."""
        if self.get_y() > self.h - 45:
            self.add_page()
        top = self.get_y()
        colour = STATUS_COLOURS.get(status, MUTED)
        self.set_fill_color(*colour)
        self.rect(self.l_margin, top, 2.2, 19, style="F")
        self.set_xy(self.l_margin + 5, top)
        self.set_font("Helvetica", "B", 11)
        self.set_text_color(*INK)
        self.cell(self.epw * 0.55, 6, plain(title))
        self.set_font("Helvetica", "B", 10)
        self.set_text_color(*colour)
        word = display.status_word(status)
        colour_name = status or "no figure"
        self.cell(self.epw * 0.45 - 5, 6, plain(f"{word} ({colour_name})"), align="R")
        self.set_xy(self.l_margin + 5, top + 6.5)
        self.set_font("Helvetica", "B", 14)
        self.set_text_color(*INK)
        self.cell(0, 6.5, plain(headline), new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", "", 9)
        self.set_text_color(*MUTED)
        for line in lines:
            self.set_x(self.l_margin + 5)
            self.multi_cell(self.epw - 5, 4.4, plain(line), new_x="LMARGIN", new_y="NEXT")
        self.set_y(max(self.get_y(), top + 19) + 3)
        self.set_text_color(*INK)
        self.set_fill_color(255, 255, 255)  # tables after this fill their own rows

    def bars(self, title: str, labels: list[str], values: list[Decimal | None], unit) -> None:
        """A small bar chart with the value written on each bar (prints in black and white)."""
        if self.get_y() > self.h - 70:
            self.add_page()
        self.set_font("Helvetica", "B", 9)
        self.cell(0, 5, plain(title), new_x="LMARGIN", new_y="NEXT")
        height, top = 38.0, self.get_y() + 2
        known = [v for v in values if v is not None]
        high = max(known, default=Decimal(1)) or Decimal(1)
        slot = self.epw / max(len(values), 1)
        self.set_draw_color(*MUTED)
        self.line(self.l_margin, top + height, self.l_margin + self.epw, top + height)
        for i, (label, value) in enumerate(zip(labels, values, strict=True)):
            x = self.l_margin + slot * i + slot * 0.18
            if value is not None and value > 0:
                h = float(value / high) * height
                self.set_fill_color(*BRAND)
                self.rect(x, top + height - h, slot * 0.64, h, style="F")
                self.set_font("Helvetica", "", 6.5)
                self.set_xy(x - 2, top + height - h - 3.6)
                self.cell(slot * 0.64 + 4, 3.4, plain(unit(value)), align="C")
            self.set_font("Helvetica", "", 7)
            self.set_xy(x - 2, top + height + 1)
            self.cell(slot * 0.64 + 4, 3.6, plain(label), align="C")
        self.set_y(top + height + 7)
        self.set_fill_color(255, 255, 255)


def provider_report_pdf(
    month: Month, trend: list[Month], plans: list[Progress], notes: list
) -> bytes:
    """The month's figures for the board: the three sides with their status in words, the
    figures by age group and payer, twelve months of history, and the action plans."""
    provider = month.provider
    frozen = (
        f"Frozen at month end (figures as of {dashboard.day_label(month.figures.as_of)})"
        if month.closed
        else f"Month to date, collections as of {dashboard.day_label(month.figures.as_of)}"
    )
    pdf = ReportPDF(issuer_of(provider), "Monthly report", f"{month.first:%Y-%m}", month.label)
    pdf.set_title(plain(f"{provider.name}: Iron Triangle report, {month.label}"))
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 7, plain(f"Iron Triangle, {month.label}"), new_x="LMARGIN", new_y="NEXT")
    pdf.note(frozen + ". Statuses: green on target, yellow watch, red act now.")
    pdf.ln(2)
    for card in dashboard.side_cards(month, trend):
        pdf.side(card.title, card.status, f"{card.headline} {card.headline_label}", card.details)
    pdf.section("By age group")
    table = dashboard.age_group_table(month)
    pdf.grid(
        table.header,
        [[str(c) for c in row] for row in table.rows],
        (34, 22, 22, 20, 26, 26, 26),
        ("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
    )
    pdf.section("Money owed, by age")
    aging = dashboard.aging_table(month)
    pdf.grid(
        aging.header,
        [[str(c) for c in row] for row in aging.rows],
        (34, 25, 25, 25, 25, 28),
        ("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
    )
    if pdf.get_y() > pdf.h - 95:  # the heading stays with its chart
        pdf.add_page()
    pdf.section("Twelve months")
    labels = [dashboard.short_month(m) for m in trend]
    pdf.bars(
        "FTE enrolled",
        labels,
        [Decimal(m.data["fte_enrolled"]) if m.has_data else None for m in trend],
        lambda v: f"{v:.1f}",
    )
    trend_rows = [
        [
            m.label,
            m.data["fte_enrolled"],
            display.percent(m.data["enrollment_efficiency_staffed"]),
            display.percent(m.data["fee_collection_rate"]["total"]),
            display.dollars(m.data["cost_per_child"]),
            display.dollars(m.data["revenue_per_child"]),
            display.dollars(m.data["net_income"]),
        ]
        for m in trend
    ]
    pdf.grid(
        ["Month", "FTE", "Efficiency", "Collected", "Cost/child", "Revenue/child", "Net income"],
        trend_rows,
        (30, 18, 24, 24, 26, 28, 30),
        ("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
    )
    pdf.section("Action plans")
    if plans:
        rows = []
        for p in plans:
            metric = PLAN_METRICS.get(p.plan.metric)
            unit = metric.unit if metric else "fte"
            rows.append(
                [
                    p.plan.title,
                    metric.label if metric else p.plan.metric,
                    _plan_value(p.current, unit),
                    _plan_value(p.plan.target, unit),
                    f"{p.plan.due_on:%b} {p.plan.due_on.day}, {p.plan.due_on.year}",
                    f"{p.state} ({p.percent}%)",
                ]
            )
        pdf.grid(
            ["Plan", "Figure", "Now", "Target", "Due", "Progress"],
            rows,
            (44, 36, 20, 20, 24, 30),
            ("LEFT", "LEFT", "RIGHT", "RIGHT", "LEFT", "LEFT"),
        )
    else:
        pdf.note("No action plans.")
    if notes:
        pdf.section("Latest coaching notes")
        for note in notes[:3]:
            pdf.note(f"{note.created_at:%b} {note.created_at.day}: {note.body}", color=INK)
    return pdf.render()


def _plan_value(value, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "percent":
        return display.percent(value)
    if unit == "money":
        return display.dollars(value)
    return f"{Decimal(value):.2f}"
