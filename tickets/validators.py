"""Checks of stored settings that the models' clean(), the settings forms, Django admin and
the code reading the settings all share, so one rule says what a valid value is."""

from __future__ import annotations

from functools import lru_cache

import holidays as holidays_pkg
from django.conf import settings
from django.core.exceptions import ValidationError

from core.netguard import url_refusal


@lru_cache(maxsize=1)
def holiday_regions() -> dict[str, tuple[str, ...]]:
    """Country codes the `holidays` package covers, each with its subdivision codes."""
    return {
        code: tuple(subdivisions)
        for code, subdivisions in holidays_pkg.list_supported_countries().items()
        if len(code) == 2
    }


def check_holiday_region(country: str, subdivision: str = "") -> None:
    """ValueError unless `country` (ISO 3166 alpha-2) and `subdivision` are known to the
    `holidays` package (both may be empty; a subdivision needs a country)."""
    if not country:
        if subdivision:
            raise ValueError("Pick the country of the subdivision.")
        return
    regions = holiday_regions()
    if country not in regions:
        raise ValueError(f"{country!r} is not a country the holiday calendar knows.")
    if subdivision and subdivision not in regions[country]:
        raise ValueError(f"{subdivision!r} is not a subdivision of {country}.")


def holiday_dates(country: str, subdivision: str, years) -> frozenset:
    """Public holidays of the region in `years` (nothing for an unknown region)."""
    if not country:
        return frozenset()
    try:
        found = holidays_pkg.country_holidays(
            country, subdiv=subdivision or None, years=list(years)
        )
    except (NotImplementedError, KeyError, ValueError):
        return frozenset()
    return frozenset(found)


def webhook_url_error(url: str, *, resolve: bool = True) -> str | None:
    """Why this webhook URL is refused (None: accepted). Loopback, private and link-local
    addresses are refused unless FRONTLINE["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] is on; with
    `resolve`, a host name is looked up too (deliveries check again when they are sent)."""
    allow = bool(settings.FRONTLINE.get("WEBHOOK_ALLOW_PRIVATE_ADDRESSES"))
    reason = url_refusal(url, allow_private=allow, resolve=resolve)
    return f"This URL is refused: {reason}." if reason else None


def validate_webhook_url(url: str, *, resolve: bool = True) -> None:
    if error := webhook_url_error(url, resolve=resolve):
        raise ValidationError(error)
