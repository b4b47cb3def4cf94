"""Domain errors: what is wrong and where (record, field), translated when shown."""

from __future__ import annotations

from typing import Any

from baogong.i18n import gettext


class Label(str):
    """A message id passed as a parameter (a kind, a unit); translated when the error is shown."""

    __slots__ = ()


class DomainError(Exception):
    """A refusal the user can act on.

    ``message`` is an untranslated message id with ``{placeholders}``; ``record`` names the
    record (e.g. ``site S001``) and ``field`` the field at fault. The text is rendered in the
    current language each time it is shown.
    """

    code = "invalid"

    def __init__(
        self, message: str, *, record: str | None = None, field: str | None = None, **params: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        self.record = record
        self.field = field
        self.params = params

    def text(self) -> str:
        """The message in the current language, with the record and field it concerns."""
        params = {k: gettext(v) if isinstance(v, Label) else v for k, v in self.params.items()}
        body = gettext(self.message).format(**params)
        where = []
        if self.record:
            where.append(gettext("record: {record}").format(record=self.record))
        if self.field:
            where.append(gettext("field: {field}").format(field=self.field))
        return f"{body} ({'; '.join(where)})" if where else body

    def __str__(self) -> str:
        return self.text()


class NotFound(DomainError):
    """A referenced record does not exist."""

    code = "not_found"


class Conflict(DomainError):
    """The request contradicts what is stored (duplicate key, insufficient balance)."""

    code = "conflict"
