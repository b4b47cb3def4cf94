"""Settings read from the environment (BAOGONG_*), with an embedded SQLite default."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB_PATH = Path("var") / "baogong.db"


class Settings(BaseSettings):
    """Process-wide settings; every city-specific threshold lives here or in the database."""

    model_config = SettingsConfigDict(env_prefix="BAOGONG_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{DEFAULT_DB_PATH}"
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
