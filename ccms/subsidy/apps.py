from django.apps import AppConfig


class SubsidyConfig(AppConfig):
    name = "ccms.subsidy"

    def ready(self):
        from ccms.attendance.services import DAY_LOCK_CHECKS
        from ccms.subsidy import jobs  # noqa: F401  (registers the CCA tasks)
        from ccms.subsidy.services import check_day_open

        # A submitted CCA period locks its children's attendance until it is recalled.
        if check_day_open not in DAY_LOCK_CHECKS:
            DAY_LOCK_CHECKS.append(check_day_open)
