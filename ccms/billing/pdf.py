"""Payer documents as PDF (fpdf2): statement, invoice, receipt and year-end tax statement.

One layout for all four: the provider's name, address and EIN at the top of every page with the
document's title and number, the payer and the key figures, tables whose headings repeat on each
page, totals, and "Page 1 of N" at the foot. The core PDF fonts need no font files; they cover
Latin-1, so other characters are replaced by their nearest plain form."""

from __future__ import annotations

import unicodedata
from datetime import date

from fpdf import FPDF
from fpdf.fonts import FontFace

from ccms.billing.statements import (
    Invoice,
    Issuer,
    Receipt,
    Statement,
    TaxStatement,
    format_money,
)

BRAND = (31, 95, 139)
INK = (27, 36, 48)
MUTED = (90, 100, 114)
LINE = (200, 207, 216)
HEAD_FILL = (230, 240, 247)
ZEBRA = (247, 249, 251)
WARN = (138, 90, 0)
FONT = "Helvetica"
MARGIN = 18

PLAIN = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u00a0": " ",
        "\u2022": "-",
        "\u00b7": "-",
        "\u20ac": "EUR",
        "\u0141": "L",
        "\u0142": "l",
        "\u0110": "D",
        "\u0111": "d",
        "\u0152": "OE",
        "\u0153": "oe",
        "\u0131": "i",
    }
)


def plain(text) -> str:
    """Text the core fonts can print: Latin-1, other letters without their accents."""
    text = str(text if text is not None else "").translate(PLAIN)
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for ch in text:
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


def day(value: date | None) -> str:
    return f"{value:%b} {value.day}, {value.year}" if value else ""


class DocumentPDF(FPDF):
    """A letter-size page with the issuer's header and a numbered footer on every page."""

    def __init__(self, issuer: Issuer, title: str, number: str, subtitle: str = ""):
        super().__init__(orientation="portrait", unit="mm", format="letter")
        self.issuer = issuer
        self.doc_title = title
        self.doc_number = number
        self.doc_subtitle = subtitle
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=22)
        self.set_title(plain(f"{title} {number}"))
        self.set_author(plain(issuer.name))
        self.set_creator("CCMS")
        self.alias_nb_pages()
        self.add_page()

    # fpdf2 calls these on every page
    def header(self):
        top = self.get_y()
        width = self.epw
        self.set_text_color(*INK)
        self.set_font(FONT, "B", 15)
        self.multi_cell(width * 0.58, 7, plain(self.issuer.name), new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "", 9)
        self.set_text_color(*MUTED)
        details = []
        if self.issuer.trade_name:
            details.append(f"Doing business as {self.issuer.trade_name}")
        if self.issuer.address:
            details.append(self.issuer.address)
        if self.issuer.ein:
            details.append(f"EIN {self.issuer.ein}")
        for text in details:
            self.multi_cell(width * 0.58, 4.5, plain(text), new_x="LMARGIN", new_y="NEXT")
        left_bottom = self.get_y()
        self.set_xy(self.l_margin + width * 0.58, top)
        self.set_font(FONT, "B", 16)
        self.set_text_color(*BRAND)
        self.cell(width * 0.42, 7, plain(self.doc_title.upper()), align="R")
        self.set_xy(self.l_margin + width * 0.58, top + 8)
        self.set_font(FONT, "", 9)
        self.set_text_color(*MUTED)
        self.multi_cell(
            width * 0.42,
            4.5,
            plain("\n".join(t for t in (f"No. {self.doc_number}", self.doc_subtitle) if t)),
            align="R",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        bottom = max(left_bottom, self.get_y()) + 2
        self.set_draw_color(*BRAND)
        self.set_line_width(0.6)
        self.line(self.l_margin, bottom, self.l_margin + width, bottom)
        self.set_line_width(0.2)
        self.set_xy(self.l_margin, bottom + 5)
        self.set_text_color(*INK)

    def footer(self):
        self.set_y(-14)
        self.set_draw_color(*LINE)
        self.line(self.l_margin, self.get_y(), self.l_margin + self.epw, self.get_y())
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        self.cell(
            self.epw / 2, 5, plain(f"{self.issuer.name} - {self.doc_title} {self.doc_number}")
        )
        self.cell(self.epw / 2, 5, f"Page {self.page_no()} of {{nb}}", align="R")

    # building blocks
    def section(self, title: str) -> None:
        if self.get_y() > self.h - 50:
            self.add_page()
        self.ln(3)
        self.set_font(FONT, "B", 11)
        self.set_text_color(*BRAND)
        self.cell(0, 6, plain(title), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*INK)
        self.ln(1)

    def note(self, text: str, color=MUTED, size: float = 9) -> None:
        self.set_font(FONT, "", size)
        self.set_text_color(*color)
        lines = self.multi_cell(0, 4.5, plain(text), align="L", dry_run=True, output="LINES")
        if self.get_y() + 4.5 * len(lines) > self.page_break_trigger:
            self.add_page()  # a short paragraph is never split over two pages
        self.multi_cell(0, 4.5, plain(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*INK)

    def parties(self, heading: str, lines: list[str], facts: list[tuple[str, str]]) -> None:
        """The payer's name and address on the left, the key figures on the right."""
        top = self.get_y()
        half = self.epw / 2
        self.set_font(FONT, "B", 8)
        self.set_text_color(*MUTED)
        self.cell(half, 5, plain(heading.upper()), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*INK)
        for i, text in enumerate(t for t in lines if t):
            self.set_font(FONT, "B" if i == 0 else "", 11 if i == 0 else 10)
            self.multi_cell(half - 6, 5.2, plain(text), new_x="LMARGIN", new_y="NEXT")
        left_bottom = self.get_y()
        x = self.l_margin + half
        y = top
        box_height = 6.5 * len(facts) + 3
        self.set_fill_color(*HEAD_FILL)
        self.rect(x, y, half, box_height, style="F")
        y += 1.5
        for label, value in facts:
            self.set_xy(x + 3, y)
            self.set_font(FONT, "", 9.5)
            self.set_text_color(*MUTED)
            self.cell(half * 0.5 - 3, 6.5, plain(label))
            self.set_font(FONT, "B", 10)
            self.set_text_color(*INK)
            self.cell(half * 0.5 - 3, 6.5, plain(value), align="R")
            y += 6.5
        self.set_xy(self.l_margin, max(left_bottom, top + box_height) + 4)

    def grid(
        self,
        headings: list[str],
        rows: list[list[str]],
        widths: tuple,
        aligns: tuple,
        muted_rows: set[int] = frozenset(),
        width: float | None = None,
    ) -> None:
        self.set_font(FONT, "", 9)
        self.set_draw_color(*LINE)
        with self.table(
            col_widths=widths,
            text_align=aligns,
            width=width or self.epw,
            align="LEFT",
            line_height=4.6,
            padding=(1.2, 2),
            borders_layout="HORIZONTAL_LINES",
            headings_style=FontFace(emphasis="BOLD", color=INK, fill_color=HEAD_FILL),
            cell_fill_color=ZEBRA,
            cell_fill_mode="ROWS",
        ) as table:
            row = table.row()
            for text in headings:
                row.cell(plain(text))
            for index, values in enumerate(rows):
                style = FontFace(color=MUTED) if index in muted_rows else None
                row = table.row(style=style)
                for text in values:
                    row.cell(plain(text))
        self.ln(2)

    def totals(self, rows: list[tuple[str, str]], strong_last: bool = True) -> None:
        """Label and amount pairs at the right, the last one (the amount due) stronger."""
        width = 80
        x = self.l_margin + self.epw - width
        if self.get_y() > self.h - 22 - 7 * len(rows):
            self.add_page()
        for i, (label, value) in enumerate(rows):
            last = strong_last and i == len(rows) - 1
            self.set_x(x)
            if last:
                self.set_draw_color(*INK)
                self.line(x, self.get_y(), x + width, self.get_y())
                self.ln(0.8)
                self.set_x(x)
            self.set_font(FONT, "B" if last else "", 11 if last else 9.5)
            self.cell(width * 0.6, 6.5 if last else 5.5, plain(label))
            self.cell(width * 0.4, 6.5 if last else 5.5, plain(value), align="R")
            self.ln()
        self.ln(2)

    def render(self) -> bytes:
        return bytes(self.output())


def _payer_lines(account) -> list[str]:
    lines = [account.name]
    if account.address:
        lines.append(account.address)
    if account.email:
        lines.append(account.email)
    return lines


def _age(days: int) -> str:
    return "today" if days == 0 else f"{days} day{'s' if days != 1 else ''}"


# --- the four documents ----------------------------------------------------------------------


def statement_pdf(s: Statement) -> bytes:
    pdf = DocumentPDF(
        s.issuer,
        "Statement",
        s.number,
        f"{s.period_start:%B %Y}\nStatement date {day(s.statement_date)}",
    )
    due_label = "Credit balance" if s.credit_balance else "Amount due"
    due_value = format_money(s.credit_balance or s.amount_due)
    facts = [
        ("Account", f"{s.account.name[:28]}"),
        ("Period", f"{day(s.period_start)} - {day(s.period_end)}"),
        (due_label, due_value),
    ]
    if s.amount_due and s.due_on:
        facts.append(("Please pay by", "now (past due)" if s.past_due else day(s.due_on)))
    pdf.parties("Statement for", _payer_lines(s.account), facts)

    pdf.section("Account summary")
    top = pdf.get_y()
    pdf.totals(
        [
            (f"Balance on {day(s.period_start)}", format_money(s.opening_balance)),
            ("Charges", format_money(s.charges_total)),
            ("Payments and credits", format_money(-s.credits_total)),
            (f"Balance on {day(s.period_end)}", format_money(s.closing_balance)),
        ]
    )
    below_totals = pdf.get_y()
    if s.open_charges:
        # Beside the totals: what is open, by age on the statement date.
        pdf.set_y(top)
        pdf.grid(
            [f"Open on {day(s.statement_date)}", "Amount"],
            [[f"{bucket} days", format_money(amount)] for bucket, amount in s.aging_rows],
            (60, 30),
            ("LEFT", "RIGHT"),
            width=84,
        )
        pdf.set_y(max(below_totals, pdf.get_y()))

    pdf.section(f"Activity in {s.period_start:%B %Y}")
    if s.lines:
        rows = [
            [
                day(s.period_start),
                "Balance brought forward",
                "",
                "",
                format_money(s.opening_balance),
            ]
        ]
        for line in s.lines:
            text = line.description
            if line.detail:
                text += f" ({line.detail})"
            if line.reversed:
                text += " - reversed"
            rows.append(
                [
                    day(line.on),
                    text,
                    format_money(line.charge),
                    format_money(line.credit),
                    format_money(line.balance),
                ]
            )
        pdf.grid(
            ["Date", "Description", "Charges", "Payments", "Balance"],
            rows,
            (24, 86, 22, 22, 24),
            ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
        )
    else:
        pdf.note("Nothing was charged or paid this month.")

    if s.open_charges:
        pdf.section("Still open")
        pdf.grid(
            ["Charged", "Description", "Due", "Age", "Open"],
            [
                [
                    day(c.entry.on),
                    c.description,
                    day(c.due_on) + (" - past due" if c.overdue else ""),
                    _age(c.age_days),
                    format_money(c.open),
                ]
                for c in s.open_charges
            ],
            (24, 72, 42, 18, 22),
            ("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
        )
    _closing_note(pdf, s.issuer, s.account)
    return pdf.render()


def _closing_note(pdf: DocumentPDF, issuer: Issuer, account) -> None:
    pdf.ln(2)
    pdf.note(
        f"Please write your account name ({account.name}) on checks, payable to {issuer.name}. "
        "Payments apply to the oldest open charges first. Questions about this document: "
        "ask the director."
    )


def invoice_pdf(inv: Invoice) -> bytes:
    pdf = DocumentPDF(
        inv.issuer,
        "Invoice",
        inv.number,
        f"Invoice date {day(inv.invoice_date)}\n"
        f"Period {day(inv.run.period_start)} - {day(inv.run.period_end)}",
    )
    pdf.parties(
        "Bill to",
        _payer_lines(inv.account),
        [
            ("Invoice date", day(inv.invoice_date)),
            ("Due date", day(inv.due_on)),
            ("Amount due", format_money(inv.amount_due)),
        ],
    )
    pdf.section("Charges")
    muted = {i for i, line in enumerate(inv.lines) if line.reversed}
    pdf.grid(
        ["Date", "Description", "Child", "Amount"],
        [
            [
                day(line.on),
                line.description + (" (cancelled)" if line.reversed else ""),
                line.entry.child.first_name if line.entry.child_id else "",
                format_money(line.entry.amount),
            ]
            for line in inv.lines
        ],
        (24, 104, 26, 24),
        ("LEFT", "LEFT", "LEFT", "RIGHT"),
        muted_rows=muted,
    )
    pdf.totals(
        [
            ("This invoice", format_money(inv.total)),
            (f"Balance before {day(inv.invoice_date)}", format_money(inv.previous_balance)),
            (f"Amount due by {day(inv.due_on)}", format_money(inv.amount_due)),
        ]
    )
    _closing_note(pdf, inv.issuer, inv.account)
    return pdf.render()


def receipt_pdf(r: Receipt) -> bytes:
    p = r.payment
    pdf = DocumentPDF(r.issuer, "Receipt", r.number, f"Date {day(p.on)}")
    facts = [
        ("Date received", day(p.on)),
        ("Method", p.get_method_display() or "-"),
    ]
    if p.reference:
        facts.append(("Reference", p.reference))
    facts.append(("Amount received", format_money(p.amount)))
    pdf.parties("Received from", _payer_lines(r.account), facts)
    if r.reversal is not None:
        pdf.note(
            f"VOID: this payment was reversed on {day(r.reversal.on)}"
            + (f" ({r.reversal.reason})" if r.reversal.reason else "")
            + ". It no longer counts toward the balance.",
            color=WARN,
            size=11,
        )
    pdf.section("Applied to")
    if r.applied:
        pdf.grid(
            ["Charged", "Description", "Amount applied"],
            [
                [day(c.on), c.description or c.get_kind_display(), format_money(a)]
                for c, a in r.applied
            ],
            (24, 124, 30),
            ("LEFT", "LEFT", "RIGHT"),
        )
    else:
        pdf.note("Nothing was open: the whole payment is held for the next charges.")
    rows = [("Amount received", format_money(p.amount))]
    if r.paid_ahead:
        rows.append(("Held for later charges", format_money(r.paid_ahead)))
    label = "Credit balance after this payment" if r.balance_after < 0 else "Balance after payment"
    rows.append((label, format_money(abs(r.balance_after))))
    pdf.totals(rows)
    pdf.note(f"Thank you. {r.issuer.name} received this payment from {r.account.name}.")
    return pdf.render()


def tax_statement_pdf(t: TaxStatement) -> bytes:
    pdf = DocumentPDF(
        t.issuer, "Child care payments", f"{t.year}-{t.account.pk}", f"Tax year {t.year}"
    )
    pdf.parties(
        "Paid by",
        _payer_lines(t.account),
        [
            ("Tax year", str(t.year)),
            ("Provider EIN", t.issuer.ein or "not on file"),
            ("Total paid", format_money(t.total)),
        ],
    )
    pdf.note(
        f"Amounts paid to {t.issuer.name} from January 1 to December 31, {t.year}, for the care "
        "of the children below, for your records and for the child and dependent care credit "
        "(IRS Form 2441). Refunds are subtracted; returned payments are not counted."
    )
    if not t.issuer.ein:
        pdf.ln(1)
        pdf.note(
            "The provider's taxpayer identification number (EIN) is not yet on this statement; "
            "ask the provider for it before you file.",
            color=WARN,
        )
    pdf.section("Care provider")
    pdf.grid(
        ["Name", "Address", "EIN"],
        [[t.issuer.name, t.issuer.address or "-", t.issuer.ein or "not on file"]],
        (60, 84, 34),
        ("LEFT", "LEFT", "LEFT"),
    )
    pdf.section("Amounts paid per child")
    rows = [[c.label, format_money(c.amount)] for c in t.children]
    if t.paid_ahead:
        rows.append(["Paid in advance for care after the year", format_money(t.paid_ahead)])
    if rows:
        pdf.grid(["Child", f"Paid in {t.year}"], rows, (140, 38), ("LEFT", "RIGHT"))
    else:
        pdf.note(f"No payments in {t.year}.")
    pdf.totals([(f"Total paid in {t.year}", format_money(t.total))])
    if t.payments:
        pdf.section("Payments received")
        pdf.grid(
            ["Date", "Method", "Receipt", "Amount", "Counted"],
            [
                [
                    day(p.on),
                    p.get_method_display() or "-",
                    p.receipt_number or f"P-{p.pk}",
                    format_money(p.amount),
                    format_money(net),
                ]
                for p, net in t.payments
            ],
            (30, 50, 46, 26, 26),
            ("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
        )
        if t.refunds:
            pdf.note(f"Refunds of {format_money(t.refunds)} were subtracted from these payments.")
    pdf.ln(6)
    pdf.note(
        f"Issued by {t.issuer.name}. Keep this statement with your {t.year} tax records.",
    )
    return pdf.render()
