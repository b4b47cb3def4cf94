"""Where the embedded database lives when BAOGONG_DATABASE_URL is unset."""

from __future__ import annotations

from pathlib import Path

import pytest

from baogong.config import Settings, data_dir

CHECKOUT = Path(__file__).resolve().parents[2]


def test_data_dir_is_the_checkouts_var_or_the_users_data_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """From the source tree the folder is its var/; installed elsewhere it is
    $XDG_DATA_HOME/baogong, else ~/.local/share/baogong; absolute in every case."""
    assert data_dir() == CHECKOUT / "var"
    installed = tmp_path / "lib" / "site-packages" / "baogong" / "config.py"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_dir(installed) == tmp_path / "xdg" / "baogong"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_dir(installed) == tmp_path / "home" / ".local" / "share" / "baogong"


def test_default_url_is_absolute_whatever_the_current_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default SQLite URL names an absolute file, the same from any folder."""
    monkeypatch.delenv("BAOGONG_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    url = Settings().database_url
    assert url == f"sqlite:///{CHECKOUT / 'var' / 'baogong.db'}"
    assert Path(url.removeprefix("sqlite:///")).is_absolute()
