from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "ccms.surveys"
    verbose_name = "Needs assessment surveys"

    def ready(self):
        from ccms.surveys import jobs  # noqa: F401  (registers the invitation e-mail task)
