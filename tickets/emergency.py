"""Emergency resources per country for the imminent-risk protocol: the emergency number and a
crisis line, maintained here as data, and how a requester's country is found.

Keep the table current: review every row against each country's government emergency-number
page and the crisis line's own site (the directory at https://findahelpline.com lists them),
then set LAST_REVIEWED; the workspace shows the source and the date beside the numbers, so an
agent can tell how fresh they are. A country missing from the table gets DEFAULT.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

LAST_REVIEWED = date(2026, 12, 2)
SOURCE = (
    "Frontline's table of national emergency numbers and crisis lines; if in doubt, check "
    "findahelpline.com"
)


@dataclass(frozen=True)
class Resources:
    """What the protocol shows for one country."""

    country: str  # ISO 3166-1 alpha-2, "" for the default
    name: str
    emergency: str
    crisis_line: str
    crisis_contact: str


_ROWS = (
    ("AR", "Argentina", "911", "Centro de Asistencia al Suicida", "135 (Buenos Aires), (011) 5275-1135"),
    ("AT", "Austria", "112 (ambulance 144)", "TelefonSeelsorge", "142"),
    ("AU", "Australia", "000", "Lifeline", "13 11 14"),
    ("BE", "Belgium", "112", "Zelfmoordlijn 1813 / Centre de Prévention du Suicide", "1813 / 0800 32 123"),
    ("BR", "Brazil", "192 (SAMU), 190 (police)", "CVV – Centro de Valorização da Vida", "188"),
    ("CA", "Canada", "911", "9-8-8 Suicide Crisis Helpline", "Call or text 988"),
    ("CH", "Switzerland", "112 (ambulance 144)", "Die Dargebotene Hand / La Main Tendue", "143"),
    ("DE", "Germany", "112 (police 110)", "TelefonSeelsorge", "0800 111 0 111 or 0800 111 0 222"),
    ("DK", "Denmark", "112", "Livslinien", "70 201 201"),
    ("ES", "Spain", "112", "Línea 024 de atención a la conducta suicida", "024"),
    ("FI", "Finland", "112", "MIELI Crisis Helpline", "09 2525 0111"),
    ("FR", "France", "112 (SAMU 15)", "Numéro national de prévention du suicide", "3114"),
    ("GB", "United Kingdom", "999 or 112", "Samaritans", "116 123"),
    ("IE", "Ireland", "112 or 999", "Samaritans", "116 123"),
    ("IN", "India", "112", "Tele-MANAS", "14416"),
    ("IT", "Italy", "112", "Telefono Amico Italia", "02 2327 2327"),
    ("JP", "Japan", "119 (ambulance), 110 (police)", "Inochi no Denwa", "0570-783-556"),
    ("MX", "Mexico", "911", "Línea de la Vida", "800 911 2000"),
    ("NL", "Netherlands", "112", "113 Zelfmoordpreventie", "113 or 0800-0113"),
    ("NO", "Norway", "112 (ambulance 113)", "Mental Helse Hjelpetelefonen", "116 123"),
    ("NZ", "New Zealand", "111", "Need to talk? 1737", "Call or text 1737"),
    ("PH", "Philippines", "911", "NCMH Crisis Hotline", "1553"),
    ("PL", "Poland", "112", "Telefon zaufania dla dorosłych w kryzysie emocjonalnym", "116 123"),
    ("PT", "Portugal", "112", "SNS 24 (psychological support)", "808 24 24 24"),
    ("SE", "Sweden", "112", "Självmordslinjen (Mind)", "90101"),
    ("US", "United States", "911", "988 Suicide & Crisis Lifeline", "Call or text 988"),
    ("ZA", "South Africa", "10111 (police), 112 (mobile)", "SADAG Suicide Crisis Helpline", "0800 567 567"),
)  # fmt: skip

TABLE: dict[str, Resources] = {row[0]: Resources(*row) for row in _ROWS}

DEFAULT = Resources(
    "",
    "Country not known",
    "112 (works from mobile phones in many countries); otherwise the local emergency number",
    "Find A Helpline (crisis lines by country)",
    "https://findahelpline.com",
)

# Where a language is spoken mostly in one country (a last guess, after the form, the
# requester's profile and their time zone): Spanish and English are not guessed.
LANGUAGE_COUNTRY = {
    "de": "DE", "fr": "FR", "it": "IT", "nl": "NL", "pl": "PL", "pt": "BR", "ja": "JP",
    "tl": "PH", "fil": "PH", "sv": "SE", "da": "DK", "nb": "NO", "no": "NO", "fi": "FI",
}  # fmt: skip


def resources_for(country: str) -> Resources:
    """The row of `country` (any case), else DEFAULT."""
    return TABLE.get((country or "").upper(), DEFAULT)


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    """IANA zone -> ISO country, from the tzdata package's zone.tab (one country per zone)."""
    text = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            parts = line.split("\t")
            if len(parts) >= 3:
                out[parts[2]] = parts[0]
    return out


def country_from_time_zone(time_zone: str) -> str:
    return _zone_countries().get(time_zone or "", "")


def requester_country(
    *, given: str = "", profile: str = "", time_zone: str = "", language: str = ""
) -> tuple[str, str]:
    """The requester's country and how it was found: the form's answer, their profile, their
    time zone, their language (where one country is likely), else ("", "default")."""
    for country, source in (
        (given, "form"),
        (profile, "requester"),
        (country_from_time_zone(time_zone), "time_zone"),
        (LANGUAGE_COUNTRY.get((language or "").lower().split("-")[0], ""), "language"),
    ):
        if country and len(country) == 2:
            return country.upper(), source
    return "", "default"


@lru_cache(maxsize=1)
def all_countries() -> tuple[tuple[str, str], ...]:
    """(ISO code, English name) of every country, by name, from tzdata's iso3166.tab."""
    text = resources.files("tzdata.zoneinfo").joinpath("iso3166.tab").read_text(encoding="utf-8")
    rows = (line.split("\t", 1) for line in text.splitlines() if line and line[0] != "#")
    return tuple(sorted(((c, n.strip()) for c, n in rows), key=lambda row: row[1]))
