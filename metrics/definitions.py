"""The metric definitions every figure on every page links to: formula, unit and version.

Definitions follow Zendesk's published ones (DESIGN.md, "Metrics"). A definition's version is
bumped whenever its formula changes, so a figure can say which formula produced it. The code
that implements each one lives in metrics.facts (per ticket) and metrics.rollups (per day).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Definition:
    """One metric: a stable slug (the anchor on /metrics/definitions/), formula and version."""

    slug: str
    name: str
    unit: str
    formula: str
    version: int = 1
    notes: str = ""


DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "first-reply-time",
        "First reply time",
        "minutes (calendar)",
        "Ticket creation → the first public comment by an agent. When an agent opened the "
        "ticket with a public comment (created on the requester's behalf), the clock stops at "
        "the second public agent comment. Automated replies never stop it. Internal notes never "
        "stop it. Unreplied tickets have no value. Reported as median (p50) and p90.",
        notes="Always calendar minutes, so teams in different time zones and hours compare "
        "fairly. SLA targets are what count the team's business hours: see SLA achievement.",
    ),
    Definition(
        "first-resolution-time",
        "First resolution time",
        "minutes (calendar)",
        "Ticket creation → the first time the status became solved (first status event to "
        "'solved'; the ticket's solved_at when no such event was recorded).",
    ),
    Definition(
        "full-resolution-time",
        "Full resolution time",
        "minutes (calendar)",
        "Ticket creation → the latest solve, for tickets that are solved or closed now. "
        "Reopens extend it. Counted on the day of the latest solve.",
    ),
    Definition(
        "solved",
        "Solved tickets",
        "tickets",
        "Tickets whose status is solved or closed now, counted once, on the UTC day of their "
        "latest solve.",
    ),
    Definition(
        "created",
        "Created tickets",
        "tickets",
        "Tickets created, on the UTC day of creation.",
    ),
    Definition(
        "reopens",
        "Reopens",
        "transitions",
        "Number of solved → open/pending transitions of a ticket (the ticket's reopen counter, "
        "written by the same service call that records the status event). A ticket is "
        "reopened if reopens > 0. Reopen rate = reopened solved tickets ÷ solved tickets.",
    ),
    Definition(
        "one-touch",
        "One-touch resolution",
        "tickets / rate",
        "A solved or closed ticket with at most one public agent reply (automated replies "
        "excluded). One-touch rate = one-touch tickets ÷ solved tickets.",
    ),
    Definition(
        "requester-wait-time",
        "Requester wait time",
        "minutes (calendar)",
        "Total time in new + open + on-hold, from the status events, up to the latest solve "
        "(or now for unsolved tickets).",
    ),
    Definition(
        "agent-wait-time",
        "Agent wait time",
        "minutes (calendar)",
        "Total time in pending (waiting on the requester), from the status events.",
    ),
    Definition(
        "on-hold-time",
        "On-hold time",
        "minutes (calendar)",
        "Total time in on-hold (waiting on a partner team), from the status events.",
    ),
    Definition(
        "agent-work-time",
        "Agent work time",
        "minutes (calendar)",
        "Total time in new + open, from the status events.",
    ),
    Definition(
        "sla-achievement",
        "SLA achievement",
        "share of targets",
        "Share of SLA targets met among the targets that ended in the period, read from the "
        "SLA engine's recorded targets (one per ticket for first reply and resolution, one per "
        "requester turn for next reply; due times in the team's business hours or 24/7 as the "
        "policy says). A target is met when it stopped at or before its due time (counted on "
        "the day it stopped) and breached when the sweep marked it breached (counted at the "
        "breach) or it stopped after its due time (counted at the due time). Running and "
        "dropped targets have not ended and are not counted. Shown for all kinds together and "
        "per kind (first reply, next reply, resolution), per agent (the ticket's assignee), "
        "team, vendor and SLA policy.",
        version=1,
        notes="Version 0 (until this release) used one interim first-reply target per ticket "
        "from the priority's default minutes; rollups built before are rebuilt by "
        "`manage.py rollup_backfill`.",
    ),
    Definition(
        "handle-time",
        "Handle time",
        "minutes / hours",
        "Time an agent actually worked a ticket: while the ticket's workspace is visible and "
        "focused the browser sends a heartbeat every 30 seconds; the time between two "
        "heartbeats of the same agent on the same ticket counts when the gap is at most 90 "
        "seconds (longer gaps are idle, not work). Summed per agent per UTC day; a ticket "
        "counts as handled on a day when the agent worked it for any time that day. Handle "
        "time per ticket = handle time ÷ tickets handled. Several tickets open in several "
        "windows count only for the one in front of the agent.",
    ),
    Definition(
        "qa-score",
        "QA score",
        "percent",
        "Per criterion (selected − min) ÷ (max − min) × 100; a review's score is the weighted "
        "mean over criteria not answered N/A; any failed auto-fail criterion makes the review "
        "0. Team or agent score = mean of their reviews.",
    ),
    Definition(
        "tickets-per-productive-hour",
        "Tickets per productive hour",
        "tickets / hour",
        "Solved tickets ÷ productive hours over the period. Productive hours are the time the "
        "agent's presence was 'available' inside their scheduled shifts (teams' presence log "
        "and rota), summed per UTC day and refreshed hourly. Where an agent has none the "
        "column says why instead: no presence recorded in the range, presence recorded but "
        "productive time not computed yet for those days, or no available time inside a "
        "shift. The figure opens the solved tickets it divides.",
        notes="Handle time is recorded (see handle time) but not yet added to productive "
        "hours when the agent's presence was not 'available'.",
    ),
    Definition(
        "trend-alerts",
        "Volume spike alerts",
        "tickets, σ",
        "Per category: observed = tickets created in the last 3 hours; expected = mean of the "
        "counts in the same 3 hours 7, 14, 21 and 28 days earlier. Treating arrivals as Poisson "
        "with mean max(expected, 1): z = (observed − expected) ÷ √expected and p = P(X ≥ "
        "observed). An alert shows when observed ≥ 8, z ≥ 3 and p < 0.001. Computed from the "
        "tickets the viewer may see, under the dashboard's filters.",
    ),
    Definition(
        "csat",
        "CSAT",
        "percent, mean 1-5",
        "CSAT % = ratings of 4 or 5 ÷ all ratings; CSAT mean = the mean rating. A rating is "
        "credited to the last agent who replied publicly (not an automated message) before "
        "the ticket was solved, and counted on the UTC day it was last given or changed. Per "
        "agent the page shows n (ratings) and the 95% Wilson score interval of CSAT %, so a "
        "handful of ratings is not read as a trend. One rating per ticket, changeable until "
        "the ticket closes; imported ratings are credited to the ticket's assignee.",
    ),
    Definition(
        "coverage",
        "Coverage and under-staffed hours",
        "agents, tickets per hour",
        "For each team and each of the next 168 hours (the viewer's local hours): agents on "
        "shift = members with any rota time in the hour; staffed hours = the sum of their "
        "on-shift fractions of it. Expected tickets = tickets created for the team in the same "
        "local weekday and hour over the last 4 weeks ÷ 4. Pace = the team's solved tickets ÷ "
        "its productive hours over the last 4 weeks (see tickets per productive hour). "
        "Capacity = staffed hours × pace. An hour is under-staffed when expected tickets > "
        "capacity; for a team with no productive hours recorded, when at least one ticket is "
        "expected and nobody is on shift.",
    ),
    Definition(
        "exposure",
        "Exposure to harmful content (for care, never for rating)",
        "tickets, minutes, reveals",
        "Per person, this shift and each of the last four 7-day periods: sensitive or "
        "restricted tickets handled (one per handling of a ticket within 12 hours, counted in "
        "the period it began), exposure minutes (the handle time the workspace recorded on "
        "those tickets) and sensitive images revealed. Only the person and the leads over "
        "their team see them. No metric, ranking, target, QA score or export on these pages "
        "counts an opt-out of a kind of sensitive work or a step-out of sensitive work "
        "against anyone: neither is recorded in any figure here, and the plain tickets a "
        "person takes instead count like any others.",
    ),
    Definition(
        "percentiles",
        "Medians and p90 on dashboards",
        "minutes",
        "p50 (median) and p90 are nearest-rank percentiles: the ⌈q·n⌉-th smallest of the n "
        "durations in the range. Exact when at most 2,000 durations (first replies plus "
        "resolutions) lie behind the page: they are then read ticket by ticket from the "
        "tickets' metrics. Otherwise they come from a mergeable sketch kept in every daily and "
        "weekly rollup (DDSketch-style): bucket j holds the durations in (γ^(j−1), γ^j] "
        "seconds, γ = 1.0099 ÷ 0.9901 ≈ 1.02, and reports 2·γ^j ÷ (γ + 1) seconds, within "
        "0.99 % of every duration in it. Sketches merge exactly (counts add) across the "
        "range's days, agents and teams, so every reported percentile is within 1 % of the "
        "exact value, whatever the shape of the data. "
        "Durations under one second count as 0.",
    ),
)

BY_SLUG = {d.slug: d for d in DEFINITIONS}
