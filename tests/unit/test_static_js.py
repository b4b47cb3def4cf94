"""The page scripts never hand text from the server to Leaflet or innerHTML unescaped."""

from __future__ import annotations

import re
from pathlib import Path

from baogong.app import STATIC


def _calls(source: str, name: str) -> list[str]:
    """The first argument's text of every call of `.name(` (up to its first ',' or ')')."""
    return [m.group(1).strip() for m in re.finditer(rf"\.{name}\(\s*([^,)]*)", source)]


def test_leaflet_tooltips_and_popups_are_escaped() -> None:
    """Every bindTooltip/bindPopup argument in static/js goes through esc(): a vehicle plate or
    a name holding HTML is shown as text, not run."""
    found = 0
    for path in sorted(Path(STATIC, "js").glob("*.js")):
        source = path.read_text("utf-8")
        for name in ("bindTooltip", "bindPopup"):
            for arg in _calls(source, name):
                found += 1
                assert arg.startswith("esc("), f"{path.name}: .{name}({arg}"
    assert found >= 4
