from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "ccms.billing"

    def ready(self):
        from ccms.billing import jobs  # noqa: F401  (registers the billing tasks)
