"""What the lead, manager and associate dashboards read, in a fixed number of queries.

Historical figures come from rollups (rows), live figures (backlog, at risk, breached, open
load, today so far) straight from tickets (live); each page composes them (lead, manager,
mine) with the chart shapes (charts). Everything starts from the viewer's scope:
the rollups' and tickets' visible_to (teams.permissions.scope_filter).
"""

from .charts import chart, weekly_trends
from .lead import lead_dashboard, per_associate
from .live import AGE_BUCKETS, AT_RISK, live_queue, team_backlog, today_vs_last_weeks
from .manager import manager_dashboard
from .mine import my_stats
from .rows import backfill_pending_from, rollup_rows

__all__ = [
    "AGE_BUCKETS",
    "AT_RISK",
    "backfill_pending_from",
    "chart",
    "lead_dashboard",
    "live_queue",
    "manager_dashboard",
    "my_stats",
    "per_associate",
    "rollup_rows",
    "team_backlog",
    "today_vs_last_weeks",
    "weekly_trends",
]
