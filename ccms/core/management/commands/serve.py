from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the app with gunicorn (default 127.0.0.1:8000); --dev uses Django's runserver."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
        parser.add_argument("--threads", type=int, default=4, help="threads per worker")
        parser.add_argument("--dev", action="store_true", help="Django's development server")

    def handle(self, *args, addrport, workers, threads, dev, **options):
        if dev:
            call_command("runserver", addrport, use_reloader=False)
            return
        from gunicorn.app.base import BaseApplication

        from ccms.wsgi import application

        class Server(BaseApplication):
            def load_config(self):
                self.cfg.set("bind", addrport)
                self.cfg.set("workers", workers)
                self.cfg.set("threads", threads)
                self.cfg.set("accesslog", "-" if settings.DEBUG else None)
                self.cfg.set("timeout", 60)

            def load(self):
                return application

        Server().run()
