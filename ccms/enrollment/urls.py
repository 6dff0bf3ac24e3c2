"""Enrollment pages: under /p/<provider>/ (staff) and public pages for families."""

provider_patterns: list = []
public_patterns: list = []
