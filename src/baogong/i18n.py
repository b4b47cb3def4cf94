"""Translation catalogue: message ids in English, zh-CN by default, English on request.

Catalogues are gettext ``.po`` files under ``locale/``; they are compiled in memory with Babel
the first time a language is used, so a fresh checkout needs no build step.
"""

from __future__ import annotations

import gettext as _gettext
from contextvars import ContextVar
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "baogong"
LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LANG = "zh_CN"

_current: ContextVar[str] = ContextVar("baogong_lang", default=DEFAULT_LANG)


def normalise(lang: str | None) -> str:
    """Map 'zh', 'zh-CN', 'zh_cn', 'en-US' ... to a supported language; unknown -> ValueError."""
    if not lang:
        return DEFAULT_LANG
    key = lang.replace("-", "_").lower()
    if key.startswith("zh"):
        return "zh_CN"
    if key.startswith("en"):
        return "en"
    raise ValueError(f"unsupported language {lang!r}; use one of: zh-CN, en")


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalogue of one language (English is the identity)."""
    po_path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == "en" or not po_path.exists():
        return _gettext.NullTranslations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buf = BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


def set_lang(lang: str | None) -> str:
    """Set the language of this context (thread or task); returns the normalised name."""
    norm = normalise(lang)
    _current.set(norm)
    return norm


def current_lang() -> str:
    """The language in force in this context."""
    return _current.get()


def gettext(message: str) -> str:
    """Translate a message id into the current language."""
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate with a plural form chosen by n."""
    return translations(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a message id for extraction without translating it now."""
    return message


_ = gettext
