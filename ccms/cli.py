"""The `ccms` console script: Django's manage.py with the project's own commands beside it."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccms.settings")
    if sys.argv[1:2] == ["demo"]:
        # The demo runs on this computer only: built-in key, plain HTTP, a fixed second factor.
        os.environ.setdefault("CCMS_ENV", "local")
        os.environ.setdefault("CCMS_DEMO_TOTP_CODE", "000000")
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], *sys.argv[1:]])


if __name__ == "__main__":
    main()
