"""Amounts on billing documents, printed the same way on screen and in the PDFs."""

from django import template

from ccms.billing.statements import format_money

register = template.Library()


@register.filter
def money(amount) -> str:
    """1234.5 -> $1,234.50; -12 -> -$12.00; None -> ""."""
    return format_money(amount)
