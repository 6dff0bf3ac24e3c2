from django.apps import AppConfig


class CommunicationsConfig(AppConfig):
    name = "ccms.communications"

    def ready(self):
        from ccms.communications import jobs  # noqa: F401  (registers the e-mail and release tasks)
