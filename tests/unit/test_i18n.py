"""The translation catalogue: zh-CN by default, English on request, nothing left untranslated."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from baogong import i18n
from baogong.errors import DomainError

SRC = Path(i18n.__file__).parent


def test_language_names_are_normalised() -> None:
    """zh, zh-CN and en-US map to the two supported languages; others are refused."""
    assert i18n.normalise("zh-CN") == "zh_CN"
    assert i18n.normalise("zh") == "zh_CN"
    assert i18n.normalise("en-US") == "en"
    assert i18n.normalise(None) == "zh_CN"
    with pytest.raises(ValueError):
        i18n.normalise("fr")


def test_chinese_by_default_and_english_on_request() -> None:
    """The same error reads in Chinese by default and in English with --lang en."""
    err = DomainError(i18n.N_("Unknown region code {code}"), record="region 9", field="code",
                      code="9")
    i18n.set_lang(None)
    assert "未知" in err.text()
    i18n.set_lang("en")
    assert err.text() == "Unknown region code 9 (record: region 9; field: code)"


def test_every_message_in_the_code_has_a_chinese_translation() -> None:
    """Each message id marked in src/ is translated in the zh_CN catalogue."""
    keywords = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}
    ids = {msg if isinstance(msg, str) else msg[0]
           for _file, _line, msg, _comments, _ctx in extract_from_dir(
               str(SRC), method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2")],
               options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
               keywords=keywords)}
    with (SRC / "locale/zh_CN/LC_MESSAGES/baogong.po").open("rb") as fh:
        catalog = read_po(fh)
    missing = sorted(m for m in ids if m and (m not in catalog or not catalog[m].string))
    assert missing == []
