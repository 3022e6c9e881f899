"""URLs without a `reverse()` each (~60 µs apiece; a workspace page needs twenty or more).
Each named URL is reversed once per process, with a placeholder for the primary key, and then
filled in: the result is what `reverse(name, args=[pk])` returns."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

_PLACEHOLDER = 987654321987654321


@lru_cache(maxsize=256)
def _split(name: str, with_pk: bool, prefix: str, urlconf, root: str) -> tuple[str, str]:
    if not with_pk:
        return reverse(name, urlconf=urlconf), ""
    head, mark, tail = reverse(name, args=[_PLACEHOLDER], urlconf=urlconf).partition(
        str(_PLACEHOLDER)
    )
    if not mark:  # a pattern that does not carry the key verbatim: reverse every time
        raise LookupError(name)
    return head, tail


def resolving_now() -> tuple:
    """What reverse() depends on besides the name: the script prefix and the URLconf."""
    return get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF


def path_for(name: str, pk: int | None = None, *, resolving: tuple | None = None) -> str:
    """`reverse(name)` or `reverse(name, args=[pk])` for an integer primary key."""
    try:
        head, tail = _split(name, pk is not None, *(resolving or resolving_now()))
    except LookupError:
        return reverse(name, args=[pk])
    return head if pk is None else f"{head}{int(pk)}{tail}"
