patterns: list = []
