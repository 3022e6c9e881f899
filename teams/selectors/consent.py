"""Consent per kind of sensitive work: which kinds a person opted in to, asked in Python
(exposure_decision) and composed as SQL or a Q by a statement that hands out work (get-next's
pick). The same test each way: plain work needs no consent; a sensitive or restricted ticket
needs the person's opt-in to its category's kind (an empty kind counts as "other")."""

from __future__ import annotations

from django.db.models import Exists, Q

from ..models import ExposureConsent, ExposureKind, Sensitivity


def consented_kinds(*, user) -> set[str]:
    """The kinds of sensitive work the user opted in to."""
    return set(ExposureConsent.objects.filter(user=user).values_list("kind", flat=True))


def kind_consented(*, user, kind: str) -> bool:
    """Did the user opt in to sensitive work of `kind` (a category's kind; empty: other)?"""
    return ExposureConsent.objects.filter(user=user, kind=ExposureKind.of(kind)).exists()


def exposure_consent_q(*, user_id: int, sensitivity: str, kind: str) -> Q:
    """The consent test as a Q over a model whose field paths `sensitivity` and `kind` lead
    to a category's sensitivity and kind (tickets pass "category__sensitivity", ...)."""
    consents = ExposureConsent.objects.filter(user_id=user_id)
    other = Exists(consents.filter(kind=ExposureKind.OTHER))
    return (
        Q(**{sensitivity: Sensitivity.NONE})
        | Q(**{f"{kind}__in": consents.values("kind")})
        | (Q(**{kind: ""}) & Q(other))
    )


def exposure_consent_sql(*, connection, sensitivity: str, kind: str) -> str:
    """The consent test as a SQL boolean over the SQL expressions `sensitivity` and `kind` (a
    category's columns in the composing statement). Its parameters: exposure_consent_params."""
    quote = connection.ops.quote_name
    meta = ExposureConsent._meta
    consent_kind = quote(meta.get_field("kind").column)
    consent_user = quote(meta.get_field("user").column)
    return (
        f"({sensitivity} = %s OR COALESCE(NULLIF({kind}, ''), %s) IN"  # noqa: S608 - names only
        f" (SELECT consent.{consent_kind} FROM {quote(meta.db_table)} consent"
        f" WHERE consent.{consent_user} = %s))"
    )


def exposure_consent_params(*, user_id: int) -> list:
    """The parameters of exposure_consent_sql for the person `user_id`."""
    return [Sensitivity.NONE, ExposureKind.OTHER, user_id]
