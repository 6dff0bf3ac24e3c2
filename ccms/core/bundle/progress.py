"""A one-line counter for long imports and exports on the command line."""

from typing import TextIO


class TerminalProgress:
    """Rewrites one line of the terminal with the latest message; silent when the stream is not
    a terminal, so logs and pipes get only the summary."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.active = stream.isatty()
        self.shown = False

    def __call__(self, message: str) -> None:
        if self.active:
            self.stream.write(f"\r{message}\x1b[K")
            self.stream.flush()
            self.shown = True

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False
