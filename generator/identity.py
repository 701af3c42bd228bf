"""How buurtkaart names itself to the servers it asks, as OSM's tile and Nominatim policies
require (the application, its version and, when the user gave one, a contact), and how it
names a team's pack folder, which the poster's QR code carries too."""

from __future__ import annotations

import hashlib

from slugify import slugify

from generator import __version__
from generator.model import Team

SLUG_LENGTH = 80


def user_agent(contact: str | None) -> str:
    base = f"buurtkaart/{__version__}"
    return f"{base} ({contact})" if contact else base


def pack_slug(team: Team) -> str:
    """The pack's folder name; a name cut to length gets a hash of the whole, so two sites
    whose names share a long beginning never share a folder."""
    organisation = team.organisation
    whole = slugify(f"{organisation.name} {organisation.site}") or "pack"
    if len(whole) <= SLUG_LENGTH:
        return whole
    digest = hashlib.sha256(f"{organisation.name}\n{organisation.site}".encode()).hexdigest()
    return f"{whole[: SLUG_LENGTH - 9].rstrip('-')}-{digest[:8]}"
