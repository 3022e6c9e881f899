"""Settings → Macros: saving a macro someone edited (validated by the model, audited with its
before and after; saving clears the stale-policy flag through macro_save)."""

from __future__ import annotations

from django.db import transaction

from ...models import Macro
from ..macros import macro_save
from .audit import setting_audit

SECTION = "macros"
FIELDS = ("title", "body", "active", "actions")


def macro_snapshot(macro: Macro | None) -> dict | None:
    """The macro's values as the audit trail keeps them (team, owner and policy by name)."""
    if macro is None or macro.pk is None:
        return None
    values = {f: getattr(macro, f) for f in FIELDS}
    values["team"] = macro.team.name if macro.team else None
    values["owner"] = macro.owner.get_username() if macro.owner else None
    values["policy"] = macro.policy_article.title if macro.policy_article else None
    return values


@transaction.atomic
def macro_settings_save(*, macro: Macro | None, values: dict, by) -> Macro:
    """Create (macro None) or change a macro with `values` (model fields), checked by the
    model's full_clean (ValidationError, nothing saved) and audited before/after."""
    before = macro_snapshot(macro)
    target = macro if macro is not None else Macro()
    for name, value in values.items():
        setattr(target, name, value)
    target.full_clean()
    macro_save(macro=target)
    setting_audit(
        by=by, target=target, section=SECTION, before=before, after=macro_snapshot(target)
    )
    return target
