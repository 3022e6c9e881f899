"""What bench/generate.py makes (sizes from BENCH_TICKETS and BENCH_SEED, table lists, tags,
words) and its log line."""

from __future__ import annotations

import os
import time

TICKETS = int(os.environ.get("BENCH_TICKETS", "1000000"))


SEED = int(os.environ.get("BENCH_SEED", "7"))


CHUNK = 20_000  # tickets per COPY round


DAYS = 365


N_VENDORS, N_TEAMS, N_AGENTS = 6, 20, 300


SAFETY_TEAMS = 3  # the last three teams take the sensitive and restricted categories


CLAIMERS = 16  # associates of team 0 with no skill/language filter and a large capacity


BACKLOG_DAYS = 45  # tickets younger than this are mostly unsolved (~100,000 open at 1M)


BIG_TABLES = [
    "tickets_ticket",
    "tickets_message",
    "tickets_ticketevent",
    "tickets_requester",
    "tickets_ticket_tags",
    "metrics_qareview",
    "metrics_qaanswer",
    "teams_exposureentry",
    "teams_presencelog",
    "metrics_ticketmetric",
    "tickets_csatresponse",
    "tickets_ticketsla",
]


ROLLUP_TABLES = [
    "metrics_dailyrollup",
    "metrics_dailyagentrollup",
    "metrics_dailyteamrollup",
    "metrics_dailyslarollup",
    "metrics_dailyteamslarollup",
    "metrics_agentday",
    "metrics_weeklyagentrollup",
    "metrics_weeklyteamrollup",
]


# Loaded with indexes dropped too, but keyed by ticket_id (no id sequence to advance).
KEYED_TABLES = ["tickets_ticketsearch"]


TAGS = [
    "refund", "vip", "bug", "android", "ios", "web", "2fa", "hacked", "spam", "copyright",
    "music", "premium", "gdpr", "minor", "impersonation", "harassment", "crash", "upload",
    "notifications", "feed", "dark-mode", "billing-error", "duplicate", "escalated", "legal",
    "press", "creator", "verified", "beta", "outage", "phishing", "scam", "chargeback",
    "translation", "accessibility", "appeal-won", "appeal-lost", "callback", "survey", "follow-up",
]  # fmt: skip


WORDS = [
    "account", "password", "login", "code", "phone", "email", "device", "update", "version",
    "crash", "upload", "video", "photo", "comment", "report", "block", "friend", "group",
    "message", "notification", "setting", "privacy", "refund", "charge", "card", "subscription",
    "premium", "appeal", "removed", "restricted", "review", "policy", "community", "safety",
    "threat", "profile", "username", "verify", "identity", "recovery", "backup", "support",
    "screen", "camera", "feed", "search",
]  # fmt: skip


def log(msg: str) -> None:
    """Print with the time and this process's CPU seconds so far (with finished workers)."""
    t = os.times()
    cpu = t.user + t.system + t.children_user + t.children_system
    print(f"[{time.strftime('%H:%M:%S')}] generate: {msg} (cpu {cpu:.0f}s)", flush=True)
