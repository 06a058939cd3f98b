"""One family of errors: every bad input raises a SymbpError subclass that prints as one line."""

from __future__ import annotations


class SymbpError(Exception):
    """Bad input: the CLI turns it into exit status 2 and one line on stderr."""


class SpecError(SymbpError):
    """A network spec that is unreadable or invalid; names the file and the key."""

    def __init__(self, message: str, key: str | None = None, file: str | None = None):
        super().__init__(message)
        self.message = message
        self.key = key
        self.file = file

    def located(self, file: str | None = None, prefix: str | None = None) -> SpecError:
        """Return a copy placed in `file`, its key prefixed by `prefix`."""
        key = self.key
        if prefix and key:
            key = prefix + key if key.startswith("[") else f"{prefix}.{key}"
        elif prefix:
            key = prefix
        return SpecError(self.message, key, file or self.file)

    def __str__(self) -> str:
        parts = [p for p in (self.file, self.key) if p]
        return ": ".join([*parts, self.message])


class ClaimError(SymbpError):
    """A claim or expression that cannot be parsed; carries the column and a caret line."""

    def __init__(self, message: str, text: str = "", column: int | None = None, context: str = ""):
        super().__init__(message)
        self.message = message
        self.text = text
        self.column = column
        self.context = context

    def __str__(self) -> str:
        where = f"column {self.column}: " if self.column is not None else ""
        return f"{where}{self.message}"


class FormatError(SymbpError):
    """A document format that is unknown or cannot be made here; the CLI names its option."""


class CheckCostError(SymbpError):
    """A requested proof or computation whose estimated cost exceeds the limit."""
