"""Family and child pages, under /p/<provider>/."""

provider_patterns: list = []
