"""Rollup rows built in memory and summed into coarser ones: fine rows per agent and per
team (with merged sketches), per-policy SLA rows per team."""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace

from django.db import models

from tickets.models import Category

from ... import sketch
from ...models import (
    DailyAgentRollup,
    DailyRollup,
    DailyTeamRollup,
    DailyTeamSLARollup,
)
from ...models.rollups import RollupFigures


def new_row(model: type[models.Model], **values) -> SimpleNamespace:
    """A rollup row being summed: the model's fields (defaults, then `values`) as plain
    attributes, written by core.copy.insert_objects. A year of rollups is over a million
    rows, and building them as model instances cost more than the summing."""
    blank = _BLANK.get(model)
    if blank is None:
        blank = _BLANK[model] = {
            f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key
        }
    row = SimpleNamespace(**blank)
    row.__dict__.update(values)
    for name, value in blank.items():
        if isinstance(value, dict | list) and name not in values:
            setattr(row, name, type(value)())
    return row


_BLANK: dict[type, dict] = {}


def team_sla_rollups(fine: Iterable) -> list[SimpleNamespace]:
    """Sum per-policy rows per day × team × category sensitivity × policy × kind."""
    sensitivity = dict(Category.objects.values_list("pk", "sensitivity"))
    out: dict[tuple, SimpleNamespace] = {}
    for r in fine:
        key = (r.day, r.team_id, sensitivity.get(r.category_id, ""), r.policy_id, r.kind)
        t = out.get(key)
        if t is None:
            t = out[key] = new_row(
                DailyTeamSLARollup,
                day=r.day, team_id=r.team_id, sensitivity=key[2], policy_id=r.policy_id,
                kind=r.kind,
            )  # fmt: skip
        t.met += r.met
        t.breached += r.breached
    return list(out.values())


SUMMED = tuple(
    f.name
    for f in DailyRollup._meta.get_fields()
    if f.concrete
    and f.name in {g.name for g in DailyAgentRollup._meta.get_fields()}
    and f.name not in ("id", "day", "agent", "team", "frt_sketch", "resolution_sketch")
)


def summed(rows: Iterable, key, make) -> list[SimpleNamespace]:
    """`rows` added up per key(row) into new rows made by make(key) (new_row; figures summed,
    sketches merged)."""
    out: dict[tuple, SimpleNamespace] = {}
    for r in rows:
        k = key(r)
        c = out.get(k)
        if c is None:
            c = out[k] = make(k)
            c.frt_sketch, c.resolution_sketch = sketch.Sketch(), sketch.Sketch()
        _add(c, r)
    return list(out.values())


def agent_rollups(fine: Iterable) -> list[SimpleNamespace]:
    """Sum fine rows per day × agent × team × category sensitivity, merging sketches."""
    sensitivity = dict(Category.objects.values_list("pk", "sensitivity"))
    out: dict[tuple, SimpleNamespace] = {}
    for r in fine:
        key = (r.day, r.agent_id, r.team_id, sensitivity.get(r.category_id, ""))
        c = out.get(key)
        if c is None:
            c = out[key] = new_row(
                DailyAgentRollup,
                day=key[0], agent_id=key[1], team_id=key[2], sensitivity=key[3],
                frt_sketch=sketch.Sketch(), resolution_sketch=sketch.Sketch(),
            )  # fmt: skip
        _add(c, r)
    return list(out.values())


def _add(target: SimpleNamespace, source: RollupFigures | SimpleNamespace) -> None:
    for name in SUMMED:
        setattr(target, name, getattr(target, name) + getattr(source, name))
    sketch.merge_into(target.frt_sketch, source.frt_sketch)
    sketch.merge_into(target.resolution_sketch, source.resolution_sketch)


def stored(*row_lists: Iterable[SimpleNamespace]) -> None:
    """Put the rows' sketches in their stored (JSON) form, ready for insert_objects."""
    for rows in row_lists:
        for r in rows:
            r.frt_sketch = sketch.dump(sketch.load(r.frt_sketch))
            r.resolution_sketch = sketch.dump(sketch.load(r.resolution_sketch))


def team_rollups(coarse: Iterable) -> list[SimpleNamespace]:
    """Sum agent rows per day × team × sensitivity."""
    out: dict[tuple, SimpleNamespace] = {}
    for r in coarse:
        key = (r.day, r.team_id, r.sensitivity)
        t = out.get(key)
        if t is None:
            t = out[key] = new_row(
                DailyTeamRollup,
                day=r.day, team_id=r.team_id, sensitivity=r.sensitivity,
                frt_sketch=sketch.Sketch(), resolution_sketch=sketch.Sketch(),
            )  # fmt: skip
        _add(t, r)
    return list(out.values())
