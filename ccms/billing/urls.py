from django.urls import path

from ccms.billing import views
from ccms.billing import views_collections as collections_views
from ccms.billing import views_documents as documents
from ccms.billing import views_payments as payments_views

# Pages under /p/<provider>/
provider_patterns: list = [
    path("billing/", views.billing_home, name="billing_home"),
    path("billing/mine/", views.billing_mine, name="billing_mine"),
    path("billing/accounts/", views.billing_accounts, name="billing_accounts"),
    path("billing/accounts/new/", views.billing_account_new, name="billing_account_new"),
    path("billing/accounts/<int:account_id>/", views.billing_account, name="billing_account"),
    path(
        "billing/accounts/<int:account_id>/charge/",
        views.billing_account_post,
        {"what": "charge"},
        name="billing_account_charge",
    ),
    path(
        "billing/accounts/<int:account_id>/credit/",
        views.billing_account_post,
        {"what": "credit"},
        name="billing_account_credit",
    ),
    path(
        "billing/entries/<int:entry_id>/reverse/",
        views.billing_entry_reverse,
        name="billing_entry_reverse",
    ),
    path("billing/runs/", views.billing_runs, name="billing_runs"),
    path("billing/runs/<int:run_id>/", views.billing_run, name="billing_run"),
    path("billing/prices/", views.billing_prices, name="billing_prices"),
    path(
        "billing/prices/plans/new/",
        views.billing_tuition_plan_edit,
        name="billing_tuition_plan_new",
    ),
    path(
        "billing/prices/plans/<int:tuition_plan_id>/",
        views.billing_tuition_plan_edit,
        name="billing_tuition_plan_edit",
    ),
    path("billing/prices/fees/new/", views.billing_fee_edit, name="billing_fee_new"),
    path("billing/prices/fees/<int:fee_id>/", views.billing_fee_edit, name="billing_fee_edit"),
    path("billing/children/<int:child_id>/", views.billing_child, name="billing_child"),
]
# Collections: aging, reminders and late fees, payment plans, write-offs
provider_patterns += [
    path("billing/aging/", collections_views.billing_aging, name="billing_aging"),
    path("billing/reminders/", collections_views.billing_reminders, name="billing_reminders"),
    path(
        "billing/reminders/run/",
        collections_views.billing_reminders_run,
        name="billing_reminders_run",
    ),
    path("billing/payment-plans/", collections_views.billing_plans, name="billing_plans"),
    path(
        "billing/accounts/<int:account_id>/plans/new/",
        collections_views.billing_plan_new,
        name="billing_plan_new",
    ),
    path(
        "billing/payment-plans/<int:payment_plan_id>/cancel/",
        collections_views.billing_plan_cancel,
        name="billing_plan_cancel",
    ),
    path("billing/write-offs/", collections_views.billing_writeoffs, name="billing_writeoffs"),
    path(
        "billing/accounts/<int:account_id>/write-offs/new/",
        collections_views.billing_writeoff_new,
        name="billing_writeoff_new",
    ),
    path(
        "billing/write-offs/<int:writeoff_id>/approve/",
        collections_views.billing_writeoff_approve,
        name="billing_writeoff_approve",
    ),
    path(
        "billing/write-offs/<int:writeoff_id>/reject/",
        collections_views.billing_writeoff_reject,
        name="billing_writeoff_reject",
    ),
]
# Documents (statements, invoices, receipts, tax statements) and the accounting export
provider_patterns += [
    path("billing/statements/", documents.billing_statements, name="billing_statements"),
    path(
        "billing/statements/<int:year>/<int:month>/",
        documents.billing_statements,
        name="billing_statements",
    ),
    path(
        "billing/accounts/<int:account_id>/documents/",
        documents.billing_account_documents,
        name="billing_account_documents",
    ),
    path(
        "billing/accounts/<int:account_id>/statements/<int:year>/<int:month>/",
        documents.billing_statement,
        name="billing_statement",
    ),
    path(
        "billing/accounts/<int:account_id>/statements/<int:year>/<int:month>/pdf/",
        documents.billing_statement_pdf,
        name="billing_statement_pdf",
    ),
    path(
        "billing/accounts/<int:account_id>/invoices/<int:run_id>/",
        documents.billing_invoice,
        name="billing_invoice",
    ),
    path(
        "billing/accounts/<int:account_id>/invoices/<int:run_id>/pdf/",
        documents.billing_invoice_pdf,
        name="billing_invoice_pdf",
    ),
    path(
        "billing/receipts/<int:entry_id>/pdf/",
        documents.billing_receipt_pdf,
        name="billing_receipt_pdf",
    ),
    path(
        "billing/tax-statements/", documents.billing_tax_statements, name="billing_tax_statements"
    ),
    path(
        "billing/tax-statements/<int:year>/",
        documents.billing_tax_statements,
        name="billing_tax_statements",
    ),
    path(
        "billing/accounts/<int:account_id>/tax-statements/<int:year>/",
        documents.billing_tax_statement,
        name="billing_tax_statement",
    ),
    path(
        "billing/accounts/<int:account_id>/tax-statements/<int:year>/pdf/",
        documents.billing_tax_statement_pdf,
        name="billing_tax_statement_pdf",
    ),
    path("billing/accounting/", documents.billing_accounting, name="billing_accounting"),
]
# Payments: the desk's payments and receipts, paying online, autopay, ACH files and returns
provider_patterns += [
    path(
        "billing/accounts/<int:account_id>/payments/new/",
        payments_views.billing_payment_new,
        name="billing_payment_new",
    ),
    path(
        "billing/receipts/<int:entry_id>/", payments_views.billing_receipt, name="billing_receipt"
    ),
    path(
        "billing/receipts/<int:entry_id>/refund/",
        payments_views.billing_refund,
        name="billing_refund",
    ),
    path("billing/pay/<int:account_id>/", payments_views.billing_pay, name="billing_pay"),
    path(
        "billing/card/checkout/<int:intent_id>/",
        payments_views.billing_card_checkout,
        name="billing_card_checkout",
    ),
    path(
        "billing/autopay/<int:account_id>/", payments_views.billing_autopay, name="billing_autopay"
    ),
    path(
        "billing/autopay/<int:account_id>/card/",
        payments_views.billing_autopay_card,
        name="billing_autopay_card",
    ),
    path(
        "billing/autopay/<int:account_id>/cancel/",
        payments_views.billing_autopay_cancel,
        name="billing_autopay_cancel",
    ),
    path("billing/ach/", payments_views.billing_ach, name="billing_ach"),
    path("billing/ach/run/", payments_views.billing_autopay_run, name="billing_autopay_run"),
    path("billing/ach/returns/", payments_views.billing_ach_returns, name="billing_ach_returns"),
    path("billing/ach/<int:batch_id>/", payments_views.billing_ach_batch, name="billing_ach_batch"),
    path(
        "billing/ach/<int:batch_id>/file/", payments_views.billing_ach_file, name="billing_ach_file"
    ),
]
# Pages under /alliance/<alliance>/
alliance_patterns: list = []
# Pages with no signed-in user (each checks its own signature or token)
public_patterns: list = []
# The card processor's signed events (tested in ccms/billing/tests/test_card.py)
public_patterns += [
    path(
        "billing/webhooks/card/<slug:provider>/",
        payments_views.billing_card_webhook,
        name="billing_card_webhook",
    ),
]
