"""How buurtkaart names itself to the servers it asks, as OSM's tile and Nominatim policies
require: the application, its version and, when the user gave one, a contact."""

from __future__ import annotations

from generator import __version__


def user_agent(contact: str | None) -> str:
    base = f"buurtkaart/{__version__}"
    return f"{base} ({contact})" if contact else base
