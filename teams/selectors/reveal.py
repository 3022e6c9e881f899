"""Reveal reads: which sensitive originals a person has chosen to see."""

from __future__ import annotations

from collections.abc import Iterable

from ..models import ExposureReveal


def revealed_attachment_ids(*, user, attachment_ids: Iterable[int]) -> set[int]:
    """The ids among `attachment_ids` whose original `user` has revealed (one query; none
    for an empty list or an anonymous user)."""
    ids = list(attachment_ids)
    user_id = getattr(user, "pk", None)
    if not ids or user_id is None:
        return set()
    return set(
        ExposureReveal.objects.filter(user_id=user_id, attachment_id__in=ids).values_list(
            "attachment_id", flat=True
        )
    )
