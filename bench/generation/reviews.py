"""CSAT ratings and QA reviews of generated tickets."""

from __future__ import annotations

import random

from bench.generation.copytext import ts, utc

CSAT_COLS = (
    "id, ticket_id, rating, comment, agent_id, source, survey_sent_at, used_values, rated_at, "
    "created_at, updated_at"
)


def csat_row(pk: int, tid: int, agent: int, solved: int, now_s: int) -> tuple[tuple, str]:
    """A rating on a quarter of the solved tickets (every fourth id), sent an hour after the
    solve and credited to the assignee (who wrote the last public reply): (rating, agent,
    rated at) as the metrics read it, and the COPY line."""
    mod = tid * 7919 % 100
    rating = 5 if mod < 55 else 4 if mod < 75 else 3 if mod < 85 else 2 if mod < 93 else 1
    sent = solved + 3600
    rated = min(sent + tid * 31 % 4320 * 60, now_s)
    comment = "Thanks, quick and clear." if tid % 40 == 0 else ""
    line = (
        f"{pk}\t{tid}\t{rating}\t{comment}\t{agent}\tsurvey\t{ts(sent)}\t[]\t{ts(rated)}\t"
        f"{ts(sent)}\t{ts(rated)}"
    )
    return (rating, agent, utc(rated)), line


def qa_scorecard() -> dict:
    from metrics.models import Criterion, ScorecardVersion

    version = ScorecardVersion.objects.order_by("pk").first()
    crits = [
        (c.pk, c.bounds, c.weight, c.auto_fail, c.allows_na)
        for c in Criterion.objects.filter(section__version=version).order_by("pk")
    ]
    return {"version": version.pk, "criteria": crits}


def qa_answers(rng: random.Random, card: dict) -> tuple[float, bool, list]:
    """Answers and the review score as metrics.definitions states it (weighted, auto-fail)."""
    total = weights = 0.0
    failed = False
    answers = []
    for pk, (lo, hi), weight, auto_fail, allows_na in card["criteria"]:
        if allows_na and rng.random() < 0.2:
            answers.append((pk, None))
            continue
        value = hi if rng.random() < 0.75 else rng.randint(lo, hi)
        if auto_fail and value == lo and rng.random() < 0.7:
            value = hi  # keep auto-fails rare
        answers.append((pk, value))
        failed |= auto_fail and value == lo
        total += weight * (value - lo) / (hi - lo) * 100
        weights += weight
    score = 0.0 if failed or not weights else total / weights
    return score, failed, answers
