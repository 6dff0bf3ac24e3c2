from django.urls import path  # noqa: F401

# Pages under /p/<provider>/
provider_patterns: list = []
# Pages under /alliance/<alliance>/
alliance_patterns: list = []
# Pages with no signed-in user (each checks its own signature or token)
public_patterns: list = []
