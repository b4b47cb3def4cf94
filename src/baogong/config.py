"""Settings read from the environment (BAOGONG_*), with an embedded SQLite default."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def data_dir(package_file: Path = Path(__file__)) -> Path:
    """Where baogong keeps its embedded database: the checkout's `var/` when run from the
    source tree, else the user's data directory ($XDG_DATA_HOME/baogong or
    ~/.local/share/baogong). Always absolute, whatever the current directory."""
    root = package_file.resolve().parent.parent.parent
    if (root / "pyproject.toml").is_file() and (root / "src" / "baogong").is_dir():
        return root / "var"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).absolute() / "baogong"


def default_database_url() -> str:
    """The SQLite database used when BAOGONG_DATABASE_URL is unset."""
    return f"sqlite:///{data_dir() / 'baogong.db'}"


class Settings(BaseSettings):
    """Process-wide settings; every city-specific threshold lives here or in the database."""

    model_config = SettingsConfigDict(env_prefix="BAOGONG_", env_file=".env", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    lang: str = "zh_CN"
    echo_sql: bool = False

    # Delivery rules of thumb; each city sets its own (BAOGONG_DOOR_MINUTES_SEALED=5 ...).
    door_minutes_sealed: float = 4.0
    """Volunteer minutes to carry one household's packs to the door (sealed zones)."""
    door_minutes_controlled: float = 1.5
    """Volunteer minutes per household to the building door (controlled zones)."""
    road_factor: float = 1.3
    """Road km per straight-line km when no road distances are configured."""
    speed_kmh: float = 25.0
    """Average van speed in town, for durations when no road durations are configured."""
    shift_minutes: int = 480
    """A driver's shift."""
    stop_minutes: float = 15.0
    """Minutes to unload at a hand-off point."""
    load_factor: float = 0.9
    """Share of a vehicle's capacity usable in practice."""
    osrm_url: str | None = None
    """An OSRM-compatible server for road distances (e.g. http://10.0.0.5:5000); when unset,
    great-circle distance times road_factor."""
    volunteer_shift_hours: float = 8.0
    """Hours of one volunteer's shift, to turn an hour shortfall into people to call in."""

    trusted_proxies: str = ""
    """Addresses of the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are
    believed (comma-separated, e.g. 10.0.0.2); default none: the connecting address is the
    client, whatever headers it sends."""
    hsts_seconds: int = 0
    """When served behind HTTPS: send Strict-Transport-Security with this max-age (e.g.
    31536000); 0 (default) sends none."""
    # What an imported workbook may hold (a small hostile file must not exhaust memory).
    import_max_rows: int = 300_000
    """Last row number of a sheet."""
    import_max_columns: int = 200
    """Last column number of a sheet."""
    import_max_merged_cells: int = 100_000
    """Cells covered by the merged ranges of one sheet."""
    import_max_unpacked_mb: int = 500
    """Size of a workbook's parts once unzipped."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return Settings()
