"""Raw rows to model instances, as QuerySet.raw makes them, for statements written out in SQL
(get-next's claim)."""

from __future__ import annotations

from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections

# Raw rows to model instances, as QuerySet.raw makes them: the ORM's converters for the
# models' columns (JSON decoded; SQLite's dates and booleans), then Model.from_db. A claim
# reads its agent (and user) and returns its ticket (with category and requester) through
# plain SQL, each in one row. The converters are looked up once per models and connection
# alias, on the first connection that asks: on PostgreSQL only JSON fields have one, on
# SQLite they depend on settings alone, so any thread's will do.


@cache
def columns(alias: str, model) -> str:
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


@cache
def _attnames(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


@cache
def _converters(db_alias: str, models: tuple) -> dict:
    db = connections[db_alias]
    cols = [f.get_col(m._meta.db_table) for m in models for f in m._meta.concrete_fields]
    # The converters depend on the columns and the connection alone: no query is compiled.
    compiler = db.ops.compiler("SQLCompiler")(None, db, db_alias)  # type: ignore[arg-type]
    return compiler.get_converters(cols)


def from_row(db, row, *models) -> tuple[list, list]:
    """Instances of `models` from a raw row holding each one's concrete columns in turn (in
    _columns' order), and the rest of the row."""
    compiler = db.ops.compiler("SQLCompiler")(None, db, db.alias)
    (values,) = compiler.apply_converters([row], _converters(db.alias, models))
    instances, at = [], 0
    for model in models:
        names = _attnames(model)
        instances.append(model.from_db(db.alias, names, values[at : at + len(names)]))
        at += len(names)
    return instances, values[at:]


def quote(name: str) -> str:
    return connections[DEFAULT_DB_ALIAS].ops.quote_name(name)
