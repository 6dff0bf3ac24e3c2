from django.urls import path  # noqa: F401

# Pages under /p/<provider>/
provider_patterns: list = []
# Pages under /alliance/<alliance>/
alliance_patterns: list = []
# Pages under /state/<alliance>/ (aggregates only)
state_patterns: list = []
