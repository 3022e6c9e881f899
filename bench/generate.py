"""Deterministic bench data straight into PostgreSQL with COPY.

    BENCH_TICKETS=1000000 .venv/bin/python bench/generate.py

Creates the bench database afresh (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/frontline_bench), migrates it, creates 6 vendors, 20 teams
and 300 agents through the ORM, then streams requesters, tickets (one year of history),
messages (~4 per ticket), events, tags, CSAT ratings, running SLA targets, QA reviews, exposure
entries, shifts and a year of presence through COPY in chunks (never the whole data set in
memory) while the secondary indexes and foreign keys are dropped. Each ticket's TicketMetric
row is built in the same pass from the data in memory, by the metrics app's own compute_facts
and ticket_metric_values (reading 4M messages and events back was most of the run), and a
sample is checked against ticket_metrics_recompute over the loaded rows. Then it rebuilds the
indexes, VACUUM ANALYZEs, and builds the daily rollups and productive time with the metrics
app's own services. Skipped when the database already holds a finished data set of the
requested size (BENCH_REGENERATE=1 forces it), except that it is migrated to the code's schema
(a new index, say). BENCH_STEP=rollups rebuilds TicketMetric rows
and rollups of a loaded data set through the app (after the metrics code changed).

Same BENCH_SEED and the same UTC day (or BENCH_NOW, ISO) give the same data.
"""

from __future__ import annotations

import html
import io
import json
import multiprocessing
import os
import queue
import random
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg2  # noqa: E402

from bench.common import bench_url, db_name, pg_dsn, setup_django  # noqa: E402

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


# ---------------------------------------------------------------- database lifecycle


def existing_size(url: str) -> int | None:
    """Tickets in a finished bench data set, or None when there is none."""
    try:
        conn = psycopg2.connect(pg_dsn(url))
    except psycopg2.OperationalError:
        return None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('bench_meta')")
            if cur.fetchone()[0] is None:
                return None
            cur.execute("SELECT value FROM bench_meta WHERE key = 'tickets'")
            row = cur.fetchone()
            return int(row[0]) if row else None
    finally:
        conn.close()


def recreate(url: str) -> None:
    name = db_name(url)
    conn = psycopg2.connect(pg_dsn(url, "postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def secondary_structures(cur) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """(table, name, CREATE INDEX …) of non-constraint indexes and (table, ALTER … ADD …) of
    foreign keys on the big tables, to drop before the load and rebuild after."""
    cur.execute(
        """SELECT i.tablename, i.indexname, i.indexdef FROM pg_indexes i
           WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
        (BIG_TABLES + KEYED_TABLES,),
    )
    indexes = cur.fetchall()
    cur.execute(
        """SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
           FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)""",
        (BIG_TABLES,),
    )
    # Re-added NOT VALID: enforced for every later write, but the rows the generator wrote
    # (consistent by construction) are not re-checked, which would cost a join per key.
    fks = [
        (t, f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d} NOT VALID', n) for t, n, d in cur.fetchall()
    ]
    return indexes, fks


# ---------------------------------------------------------------- formatting for COPY text

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY_CACHE: dict[int, str] = {}


def ts(sec: int | float | None) -> str:
    """Seconds since the epoch as a PostgreSQL timestamptz literal (UTC)."""
    if sec is None:
        return "\\N"
    sec = int(sec)
    d, r = divmod(sec, 86400)
    day = _DAY_CACHE.get(d)
    if day is None:
        day = _DAY_CACHE[d] = (EPOCH + timedelta(days=d)).strftime("%Y-%m-%d")
    return f"{day} {r // 3600:02d}:{r % 3600 // 60:02d}:{r % 60:02d}+00"


def esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def n(value) -> str:
    return "\\N" if value is None else str(value)


class Writer:
    """COPY on its own connection in a background thread, so Python builds the next chunk
    while PostgreSQL ingests this one. The queue is bounded: memory stays a few chunks."""

    def __init__(self, dsn: str):
        self.conn = psycopg2.connect(dsn)
        self.q: queue.Queue = queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        self.rows: dict[str, int] = {}
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            with self.conn.cursor() as cur:
                cur.execute("SET synchronous_commit = off")
                # One transaction that first empties the (still empty) big tables, so every
                # COPY may FREEZE: rows are written frozen with the visibility map set, and
                # neither the index builds nor the first readers rewrite each page to set hint
                # bits, nor does a VACUUM have to pass over them. CASCADE reaches only tables
                # that refer to tickets, all empty before the load.
                cur.execute(f"TRUNCATE {', '.join(BIG_TABLES)} CASCADE")
                while True:
                    item = self.q.get()
                    if item is None:
                        break
                    table, columns, lines = item
                    buf = io.StringIO("\n".join(lines) + "\n")
                    cur.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FREEZE)", buf)
                    self.rows[table] = self.rows.get(table, 0) + len(lines)
            self.conn.commit()
        except BaseException as exc:  # surfaced by put()/close() in the main thread
            self.error = exc

    def put(self, table: str, columns: str, lines: list[str]) -> None:
        if self.error:
            raise self.error
        if lines:
            while True:
                try:
                    self.q.put((table, columns, lines), timeout=1)
                    return
                except queue.Full:
                    if self.error or not self.thread.is_alive():
                        raise self.error or RuntimeError("bench: COPY writer stopped") from None

    def close(self) -> None:
        self.q.put(None)
        self.thread.join()
        self.conn.close()
        if self.error:
            raise self.error


# ---------------------------------------------------------------- people (through the ORM)


def make_people(rng: random.Random, now: datetime) -> dict:
    """Vendors, teams, users, agents and role groups; returns what the ticket stream needs."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from teams.demo import FIRST, LAST
    from teams.models import Agent, Role, Sensitivity, ShiftTemplate, Team, Vendor
    from teams.services import roles_sync_groups
    from tickets.demo import CATEGORIES, seed_categories
    from tickets.models import Tag

    User = get_user_model()
    groups = roles_sync_groups()
    password = make_password("demo")  # one hash for every bench login (bench database only)
    categories = seed_categories()
    care = [c[0] for c in CATEGORIES if c[2] == Sensitivity.NONE]
    safety = [c[0] for c in CATEGORIES if c[2] != Sensitivity.NONE]

    vendors = [Vendor(name="Frontline In-house", slug="frontline", kind="in_house", country="US")]
    bpo = [
        ("Northwind", "PH"),
        ("Atlas", "PL"),
        ("Meridian", "IN"),
        ("Lumen", "CO"),
        ("Kestrel", "KE"),
    ]
    for name, country in bpo:
        vendors.append(Vendor(name=f"{name} CX", slug=name.lower(), kind="bpo", country=country))
    Vendor.objects.bulk_create(vendors)
    vendors = list(Vendor.objects.order_by("pk"))
    zones = {
        "US": "America/New_York", "PH": "Asia/Manila", "PL": "Europe/Warsaw",
        "IN": "Asia/Kolkata", "CO": "America/Bogota", "KE": "Africa/Nairobi",
    }  # fmt: skip

    users: list = []

    def user(username, first, last, email):
        u = User(username=username, first_name=first, last_name=last, email=email)
        u.password = password
        users.append(u)
        return u

    manager = user("manager", "Morgan", "Lee", "manager@frontline.example")
    qa = user("qa", "Casey", "Nguyen", "qa@frontline.example")
    admin = user("admin", "Robin", "Admin", "admin@frontline.example")
    admin.is_staff = admin.is_superuser = True
    plan = []  # (user, role, team index, clearance, skills, languages, capacity)
    plan += [(manager, Role.MANAGER, None), (qa, Role.QA_ANALYST, None), (admin, Role.ADMIN, None)]
    team_specs = []
    for t in range(N_TEAMS):
        is_safety = t >= N_TEAMS - SAFETY_TEAMS
        vendor = vendors[0] if t == 0 or is_safety else vendors[1 + (t - 1) % (N_VENDORS - 1)]
        name = "Account Care" if t == 0 else f"{'Safety' if is_safety else 'Care'} {t:02d}"
        team_specs.append((t, name, vendor, is_safety))
    per_team = (N_AGENTS - 3) // N_TEAMS  # 14 per team with a lead; the rest go to team 0
    extra = N_AGENTS - 3 - per_team * N_TEAMS
    for t, _name, _vendor, is_safety in team_specs:
        size = per_team + (extra if t == 0 else 0)
        clearance = Sensitivity.RESTRICTED if is_safety else Sensitivity.SENSITIVE
        skills = safety if is_safety else care
        lead_name = "lead" if t == 0 else f"lead.{t:02d}"
        lead = user(lead_name, rng.choice(FIRST), rng.choice(LAST), f"{lead_name}@bench.example")
        plan.append((lead, Role.LEAD, t, Sensitivity.RESTRICTED, skills, ["en"], 10))
        for i in range(1, size):
            if t == 0 and i == 1:
                username = "associate"
            elif t == 0 and i <= 1 + CLAIMERS:
                username = f"claimer.{i - 1:02d}"
            else:
                username = f"agent.{t:02d}.{i:02d}"
            u = user(username, rng.choice(FIRST), rng.choice(LAST), f"{username}@bench.example")
            if username.startswith("claimer."):
                plan.append((u, Role.ASSOCIATE, t, clearance, [], [], 30000))
            else:
                plan.append((u, Role.ASSOCIATE, t, clearance, skills, ["en"], 12))
    User.objects.bulk_create(users)
    by_name = {u.username: u for u in User.objects.all()}

    teams = []
    for t, name, vendor, is_safety in team_specs:
        teams.append(
            Team(
                name=name,
                slug=name.lower().replace(" ", "-"),
                vendor=vendor,
                manager=by_name["manager"],
                lead=by_name["lead" if t == 0 else f"lead.{t:02d}"],
                time_zone=zones[vendor.country],
                country=vendor.country,
                categories=safety if is_safety else care,
                languages=["en"],
            )
        )
    Team.objects.bulk_create(teams)
    teams = list(Team.objects.order_by("pk"))

    agents = []
    memberships = []
    for entry in plan:
        u = by_name[entry[0].username]
        role = entry[1]
        memberships.append(User.groups.through(user_id=u.pk, group_id=groups[role].pk))
        if entry[2] is None:
            clearance = Sensitivity.RESTRICTED if role == Role.ADMIN else Sensitivity.SENSITIVE
            agents.append(Agent(user=u, role=role, clearance=clearance, time_zone="UTC"))
            continue
        _, _, t, clearance, skills, languages, capacity = entry
        team = teams[t]
        agents.append(
            Agent(
                user=u,
                role=role,
                team=team,
                clearance=clearance,
                skills=skills,
                languages=languages,
                capacity=capacity,
                time_zone=team.time_zone,
                start_date=date(2023, 1 + rng.randrange(12), 1 + rng.randrange(28)),
            )
        )
    User.groups.through.objects.bulk_create(memberships)
    Agent.objects.bulk_create(agents)
    live = ["associate"] + [f"claimer.{i:02d}" for i in range(1, CLAIMERS + 1)]
    Agent.objects.filter(user__username__in=live).update(
        presence="available", presence_since=now - timedelta(minutes=30)
    )
    agents = list(Agent.objects.select_related("user").order_by("pk"))

    shifts = []
    for a in agents:
        if a.team_id is None:
            continue
        start = [6, 9, 14][a.pk % 3]
        off = {a.pk % 7, (a.pk + 1) % 7}
        for d in range(7):
            if d not in off:
                shifts.append(
                    ShiftTemplate(
                        agent=a, weekday=d, start=f"{start:02d}:00", end=f"{start + 8:02d}:00"
                    )
                )
    ShiftTemplate.objects.bulk_create(shifts)
    Tag.objects.bulk_create([Tag(name=t) for t in TAGS])

    team_index = {team.pk: i for i, team in enumerate(teams)}
    associates: list[list[tuple[int, int]]] = [[] for _ in teams]  # (user id, agent id)
    for a in agents:
        if a.role == Role.ASSOCIATE and not a.user.username.startswith("claimer."):
            associates[team_index[a.team_id]].append((a.user_id, a.pk))
    cat_rows = [(categories[c[0]].pk, c[0], c[2], c[3]) for c in CATEGORIES]
    return {
        "teams": [(t.pk, t.slug) for t in teams],
        "associates": associates,
        "associate_user": by_name["associate"].pk,
        "leads": [by_name["lead" if i == 0 else f"lead.{i:02d}"].pk for i in range(len(teams))],
        "qa_user": by_name["qa"].pk,
        "categories": cat_rows,
        "tags": list(Tag.objects.order_by("pk").values_list("pk", flat=True)),
        "agents": [(a.pk, a.user_id, a.team_id, a.user.username) for a in agents],
    }


# ---------------------------------------------------------------- the ticket stream

TICKET_COLS = (
    "id, subject, requester_id, channel, category_id, priority, status, team_id, assignee_id, "
    "language, custom_fields, created_at, updated_at, first_reply_at, last_public_reply_at, "
    "last_requester_reply_at, solved_at, closed_at, reopen_count, due_at, version"
)
MESSAGE_COLS = (
    "id, ticket_id, kind, author_user_id, author_requester_id, body_html, body_text, channel, "
    "created_at, email_message_id, email_in_reply_to, email_references, is_automated"
)
EVENT_COLS = "id, ticket_id, actor_id, created_at, kind, field, old, new"
REQUESTER_COLS = (
    "id, email, name, handle, external_id, phone, locale, country, time_zone, created_at"
)


def stream(writer: Writer, people: dict, rng: random.Random, now_s: int) -> dict:
    from core.copy import copy_line
    from metrics.models import TicketMetric
    from tickets.demo import (
        AGENT_REPLIES,
        CATEGORIES,
        COUNTRIES,
        FIXES,
        REQUESTER_FOLLOWUPS,
    )
    from tickets.demo import FIRST as RFIRST
    from tickets.demo import LAST as RLAST

    fields = [f for f in TicketMetric._meta.concrete_fields if not f.primary_key]
    metric_fields = [f.attname for f in fields]
    metric_columns = ", ".join(["id"] + [f.column for f in fields])
    targets = {p: m * 60 for p, m in REPLY_MINUTES.items()}
    start_s = now_s - DAYS * 86400

    # Requesters: 0.6 per ticket.
    n_req = max(100, TICKETS * 6 // 10)
    names = []
    for lo in range(0, n_req, 50_000):
        lines = []
        for i in range(lo, min(n_req, lo + 50_000)):
            country, lang, tz = COUNTRIES[i % len(COUNTRIES)]
            first, last = rng.choice(RFIRST), rng.choice(RLAST)
            names.append(first)
            lines.append(
                f"{i + 1}\t{first.lower()}.{last.lower().replace(' ', '')}{i}@users.example.org\t"
                f"{first} {last}\t@{first.lower()}{i}\tu{100000 + i}\t\t{lang}\t{country}\t{tz}\t"
                f"{ts(start_s - 86400 * 30 + (i * 997) % (86400 * 30))}"
            )
        writer.put("tickets_requester", REQUESTER_COLS, lines)

    teams = people["teams"]
    associates = people["associates"]
    safety_idx = list(range(N_TEAMS - SAFETY_TEAMS, N_TEAMS))
    care_idx = list(range(0, N_TEAMS - SAFETY_TEAMS))
    care_weights = [3] + [1] * (len(care_idx) - 1)  # team 0 (the demo team) is the busiest
    cats = people["categories"]
    cat_weights = [c[3] for c in cats]
    subjects = {c[0]: c[4] for c in CATEGORIES}
    openings = {c[0]: c[5] for c in CATEGORIES}
    tags = people["tags"]
    leads = people["leads"]
    qa_user = people["qa_user"]
    scorecard = qa_scorecard()
    workspace_id = TICKETS  # the newest ticket: team 0, the demo associate's, 20 messages
    ex_sens = {c[0]: c[2] for c in cats}

    msg_id = ev_id = tag_id = qa_id = ans_id = ex_id = csat_id = sla_id = 0
    counts = dict.fromkeys(("messages", "events", "tags", "qa", "exposure", "open"), 0)
    now = utc(now_s)

    span = now_s - start_s - 3600
    for lo in range(0, TICKETS, CHUNK):
        t_lines, m_lines, e_lines, g_lines = [], [], [], []
        q_lines, a_lines, x_lines = [], [], []
        c_lines, s_lines, k_lines = [], [], []
        for i in range(lo, min(TICKETS, lo + CHUNK)):
            tid = i + 1
            created = start_s + int(span * i / TICKETS) + rng.randrange(0, 600)
            cat_pk, slug, sens, _w = rng.choices(cats, weights=cat_weights)[0]
            if tid == workspace_id:
                cat_pk, slug, sens = cats[0][0], cats[0][1], cats[0][2]
            if sens != "none":
                team_i = rng.choice(safety_idx)
            else:
                team_i = 0 if tid == workspace_id else rng.choices(care_idx, care_weights)[0]
            team_pk = teams[team_i][0]
            age = now_s - created
            priority = rng.choices((1, 2, 3, 4), weights=(15, 55, 22, 8))[0]
            if sens != "none":
                priority = max(priority, 3)
            if age < BACKLOG_DAYS * 86400 and rng.random() < 0.8:
                status = rng.choices(("new", "open", "pending", "on_hold"), (45, 25, 20, 10))[0]
            elif age < 4 * 86400:
                status = "solved"
            else:
                status = rng.choices(("solved", "closed"), (2, 98))[0]
            if tid == workspace_id:
                status = "open"
            pool = associates[team_i]
            assignee = None
            if status != "new":
                assignee = pool[rng.randrange(len(pool))][0]
            if tid == workspace_id:
                assignee = people["associate_user"]
            req = rng.randrange(n_req) + 1
            rname = names[req - 1]
            channel = ("web", "email", "email", "api")[rng.randrange(4)]
            opening = rng.choice(openings[slug])
            thread = [("r", created, f"{opening} {rng.choice(WORDS)} {rng.choice(WORDS)}")]
            first_reply = last_public = solved = closed = due = None
            last_req = created
            reopen = 0
            if status != "new":
                t = created + 180 + int(rng.lognormvariate(7.5, 1.2))
                t = min(t, now_s - 60)
                first_reply = last_public = t
                thread.append(("a", t, None))
                pairs = 9 if tid == workspace_id else rng.choices((0, 1, 2, 3), (25, 40, 25, 10))[0]
                for _ in range(pairs):
                    t2 = t + 600 + rng.randrange(86400)
                    t3 = t2 + 300 + rng.randrange(14400)
                    if t3 >= now_s and tid != workspace_id:
                        break
                    t2, t3 = min(t2, now_s - 120), min(t3, now_s - 60)
                    thread.append(("r", t2, rng.choice(REQUESTER_FOLLOWUPS)))
                    thread.append(("a", t3, None))
                    last_req, last_public, t = t2, t3, t3
                if rng.random() < 0.15 and tid != workspace_id:
                    thread.append(("n", first_reply - 60, None))
            if status in ("solved", "closed"):
                solved = min(now_s - 30, max(m[1] for m in thread) + 60 + rng.randrange(10800))
                if rng.random() < 0.06:
                    reopen = 1
                if status == "closed":
                    closed = min(now_s - 10, solved + 4 * 86400)
                    if closed <= solved:
                        status = "solved"
                        closed = None
            elif status in ("new", "open"):
                waiting = last_req if thread[-1][0] == "r" or first_reply is None else None
                due = (waiting or last_public) + targets[priority]
            updated = max(x for x in (created, last_public, solved, closed, last_req) if x)
            subject = rng.choice(subjects[slug])
            t_lines.append(
                f"{tid}\t{subject}\t{req}\t{channel}\t{cat_pk}\t{priority}\t{status}\t{team_pk}\t"
                f"{n(assignee)}\ten\t{{}}\t{ts(created)}\t{ts(updated)}\t{ts(first_reply)}\t"
                f"{ts(last_public)}\t{ts(last_req)}\t{ts(solved)}\t{ts(closed)}\t{reopen}\t"
                f"{ts(due)}\t1"
            )
            if status in ("new", "open", "pending", "on_hold"):
                counts["open"] += 1
            for kind, at, text in thread:
                msg_id += 1
                if kind == "r":
                    body = text
                    author_u, author_r, mkind, mch = "\\N", req, "public", channel
                elif kind == "a":
                    body = rng.choice(AGENT_REPLIES).format(name=rname, fix=rng.choice(FIXES))
                    author_u, author_r, mkind, mch = assignee, "\\N", "public", "agent"
                else:
                    body = "Checked the login logs: new device in another country. Watching."
                    author_u, author_r, mkind, mch = assignee, "\\N", "internal", "agent"
                m_lines.append(
                    f"{msg_id}\t{tid}\t{mkind}\t{n(author_u)}\t{author_r}\t"
                    f"<p>{esc(html.escape(body))}</p>\t{esc(body)}\t{mch}\t{ts(at)}\t\t\t\tf"
                )
            # Events: created, assignment, status changes (the metrics read these).
            evs = [("\\N", created, "created", "status", "", "new")]
            if assignee:
                evs.append((assignee, first_reply or created, "assign", "assignee", "", assignee))
            if first_reply:
                evs.append((assignee, first_reply, "status", "status", "new", "open"))
            if solved:
                if reopen:
                    mid = first_reply + (solved - first_reply) // 3
                    back = first_reply + 2 * (solved - first_reply) // 3
                    evs.append((assignee, mid, "status", "status", "open", "solved"))
                    evs.append(("\\N", back, "status", "status", "solved", "open"))
                evs.append((assignee, solved, "status", "status", "open", "solved"))
                if closed:
                    evs.append(("\\N", closed, "status", "status", "solved", "closed"))
            elif status in ("pending", "on_hold"):
                evs.append((assignee, last_public or created, "status", "status", "open", status))
            for actor, at, kind, field, old, new in evs:
                ev_id += 1
                e_lines.append(
                    f"{ev_id}\t{tid}\t{n(actor)}\t{ts(at)}\t{kind}\t{field}\t{old}\t{new}"
                )
            csat = None
            if solved and tid % 4 == 0 and solved + 3600 < now_s:
                csat_id += 1
                csat, line = csat_row(csat_id, tid, assignee, solved, now_s)
                c_lines.append(line)
            ended = set()
            if status in ("new", "open", "pending", "on_hold"):
                for target in sla_targets(
                    tid, status, priority, created, first_reply, last_req, last_public, now_s
                ):
                    sla_id += 1
                    s_lines.append(f"{sla_id}\t{tid}\t{target[0]}")
                    if target[1] is not None:
                        ended.add(target[1])
            metric = ticket_metric(
                {
                    "pk": tid, "created_at": utc(created), "status": status,
                    "reopen_count": reopen, "solved_at": utc(solved), "assignee_id": assignee,
                    "team_id": team_pk, "category_id": cat_pk, "channel": channel,
                },
                thread, evs, csat, ended, now,
            )  # fmt: skip
            k_lines.append(f"{tid}\t{copy_line(metric[a] for a in metric_fields)}")
            if rng.random() < 0.25:
                for tag in rng.sample(tags, rng.choice((1, 1, 2))):
                    tag_id += 1
                    g_lines.append(f"{tag_id}\t{tid}\t{tag}")
            if ex_sens[cat_pk] != "none" and assignee:
                ex_id += 1
                x_lines.append(
                    f"{ex_id}\t{assignee}\t{tid}\t{ex_sens[cat_pk]}\t{ts(first_reply or created)}"
                )
            if solved and assignee and age < 120 * 86400 and rng.random() < 0.05:
                qa_id += 1
                at = min(now_s - 5, solved + 3600 + rng.randrange(5 * 86400))
                score, failed, answers = qa_answers(rng, scorecard)
                reviewer = qa_user if rng.random() < 0.5 else leads[team_i]
                q_lines.append(
                    f"{qa_id}\t{tid}\t{scorecard['version']}\t{reviewer}\t{assignee}\t{team_pk}\t"
                    f"submitted\t{score:.2f}\t{'t' if failed else 'f'}\t\t{ts(at)}\t\t\t"
                    f"\\N\t\t\\N\t\\N"
                )
                for crit, value in answers:
                    ans_id += 1
                    a_lines.append(f"{ans_id}\t{qa_id}\t{crit}\t{n(value)}")
        writer.put("tickets_ticket", TICKET_COLS, t_lines)
        writer.put("tickets_message", MESSAGE_COLS, m_lines)
        writer.put("tickets_ticketevent", EVENT_COLS, e_lines)
        writer.put("tickets_ticket_tags", "id, ticket_id, tag_id", g_lines)
        writer.put(
            "metrics_qareview",
            "id, ticket_id, version_id, reviewer_id, agent_id, team_id, status, score, "
            "auto_failed, comment, submitted_at, response, response_comment, responded_at, "
            "resolution_comment, resolved_by_id, resolved_at",
            q_lines,
        )
        writer.put("metrics_qaanswer", "id, review_id, criterion_id, value", a_lines)
        writer.put("teams_exposureentry", "id, user_id, ticket_id, sensitivity, at", x_lines)
        writer.put("tickets_csatresponse", CSAT_COLS, c_lines)
        writer.put("tickets_ticketsla", SLA_COLS, s_lines)
        writer.put("metrics_ticketmetric", metric_columns, k_lines)
        counts["messages"], counts["events"], counts["tags"] = msg_id, ev_id, tag_id
        counts["qa"], counts["exposure"] = qa_id, ex_id
        counts["csat"], counts["sla"] = csat_id, sla_id
        if (lo // CHUNK) % 10 == 0:
            log(f"{min(TICKETS, lo + CHUNK):,} tickets streamed")
    counts.update(requesters=n_req, workspace_ticket=workspace_id)
    return counts


CSAT_COLS = (
    "id, ticket_id, rating, comment, agent_id, source, survey_sent_at, used_values, rated_at, "
    "created_at, updated_at"
)
SLA_COLS = (
    "id, ticket_id, policy_id, kind, target_minutes, business_time, started_at, due_at, "
    "at_risk_at, paused_at, paused_minutes, stopped_at, breached_at, met, warned_at, "
    "escalation_level"
)
REPLY_MINUTES = {1: 1440, 2: 480, 3: 240, 4: 60}
RESOLUTION_MINUTES = 3 * 24 * 60


def utc(sec: int | None) -> datetime | None:
    return None if sec is None else datetime.fromtimestamp(sec, UTC)


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


def sla_targets(tid, status, priority, created, first_reply, last_req, last_public, now_s):
    """The running SLA targets of an unsolved ticket, 24/7 with no policy: first or next reply
    while it waits on us (new, open) and resolution (paused while pending / on hold). Targets
    due more than an hour ago are as an earlier sweep left them (warned, breached, escalation
    level 1). Yields (COPY line after id and ticket, the UTC day it ended or None)."""
    targets = []
    if status in ("new", "open"):
        kind = "first_reply" if first_reply is None else "next_reply"
        targets.append((kind, REPLY_MINUTES[priority], last_req, None))
    paused = (last_public or created) if status in ("pending", "on_hold") else None
    targets.append(("resolution", RESOLUTION_MINUTES, created, paused))
    for kind, minutes, started, paused_at in targets:
        due, at_risk = started + minutes * 60, started + minutes * 45
        breached = met = warned = None
        level = 0
        if due < now_s - 3600:
            breached, met, warned, level = due, False, at_risk, 1
        elif at_risk < now_s - 3600:
            warned = at_risk
        from metrics.services.rollups import sla_ended_at

        ended = sla_ended_at(met, None, utc(breached), utc(due))
        yield (
            f"\\N\t{kind}\t{minutes}\tf\t{ts(started)}\t{ts(due)}\t{ts(at_risk)}\t"
            f"{ts(paused_at)}\t0\t\\N\t{ts(breached)}\t{n_bool(met)}\t{ts(warned)}\t{level}",
            ended.date() if ended else None,
        )


def n_bool(value: bool | None) -> str:
    return "\\N" if value is None else "t" if value else "f"


def ticket_metric(row: dict, thread: list, evs: list, csat, sla_days: set, now: datetime) -> dict:
    """The ticket's TicketMetric fields from what was just generated, through the metrics
    app's own compute_facts and ticket_metric_values (the same code ticket_metrics_recompute
    runs over the database): public messages are the replies, status events the changes."""
    from metrics.facts import Reply, StatusChange, compute_facts
    from metrics.services.rollups import ticket_metric_values

    replies = [Reply(utc(at), kind == "a") for kind, at, _text in thread if kind != "n"]
    changes = [
        StatusChange(utc(at), old, new) for _a, at, kind, _f, old, new in evs if kind == "status"
    ]
    facts = compute_facts(
        ticket_id=row["pk"],
        created_at=row["created_at"],
        status=row["status"],
        reopen_count=row["reopen_count"],
        solved_at=row["solved_at"],
        replies=replies,
        changes=changes,
        now=now,
    )
    return ticket_metric_values(row, facts, csat=csat, sla_days=sla_days, now=now)


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


def presence(writer: Writer, people: dict, now_s: int) -> int:
    """A year of presence: each agent's shift days split into available / break / lunch."""
    rows = 0
    pk = 0
    for agent_pk, _user, team, username in people["agents"]:
        if team is None:
            continue
        lines = []
        start_h = [6, 9, 14][agent_pk % 3]
        off = {agent_pk % 7, (agent_pk + 1) % 7}
        day0 = (now_s // 86400) - DAYS
        for d in range(day0, now_s // 86400):
            if (d + 3) % 7 in off:  # 1970-01-01 was a Thursday: (d + 3) % 7 is Monday=0
                continue
            s = d * 86400 + start_h * 3600
            parts = [("available", 7200), ("break", 900), ("available", 6300), ("lunch", 1800),
                     ("available", 7200), ("break", 900), ("available", 4500)]  # fmt: skip
            for status, length in parts:
                if s + length > now_s:
                    break
                pk += 1
                lines.append(f"{pk}\t{agent_pk}\t{status}\t{ts(s)}\t{ts(s + length)}")
                s += length
        pk += 1
        state = (
            "available" if username == "associate" or username.startswith("claimer.") else "offline"
        )
        lines.append(f"{pk}\t{agent_pk}\t{state}\t{ts(now_s - 1800)}\t\\N")
        rows += len(lines)
        writer.put("teams_presencelog", "id, agent_id, status, started_at, ended_at", lines)
    return rows


# ---------------------------------------------------------------- after the load


def rebuild(dsn: str, indexes, fks) -> None:
    """Recreate indexes and foreign keys on two connections (two cores), biggest first."""
    work: queue.Queue = queue.Queue()
    # The full-text GIN index on messages takes longest: start it first, the rest beside it.
    for _table, name, sql in sorted(indexes, key=lambda x: (x[1] != "message_body_fts", x[0])):
        work.put(("index", name, sql))
    errors: list[BaseException] = []

    def run():
        conn = psycopg2.connect(dsn)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute("SET maintenance_work_mem = '512MB'")
                cur.execute("SET max_parallel_maintenance_workers = 0")
                while True:
                    try:
                        _kind, name, sql = work.get_nowait()
                    except queue.Empty:
                        return
                    started = time.perf_counter()
                    cur.execute(sql)
                    took = time.perf_counter() - started
                    if took > 5:
                        log(f"  {name} in {took:.0f}s")
        except BaseException as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        for _table, sql, _name in fks:
            cur.execute(sql)
    conn.close()


def vacuum(dsn: str) -> None:
    """VACUUM ANALYZE every table on two connections (visibility map for index-only scans);
    only ANALYZE the tables loaded with COPY FREEZE (their visibility map is set already)."""
    conn = psycopg2.connect(dsn)
    with conn.cursor() as cur:
        cur.execute("SELECT relname FROM pg_stat_user_tables ORDER BY n_live_tup DESC, relname")
        work: queue.Queue = queue.Queue()
        for (name,) in cur.fetchall():
            work.put(("ANALYZE" if name in BIG_TABLES else "VACUUM ANALYZE", name))
    conn.close()

    def run():
        c = psycopg2.connect(dsn)
        c.autocommit = True
        with c.cursor() as cur:
            while True:
                try:
                    command, name = work.get_nowait()
                except queue.Empty:
                    break
                cur.execute(f'{command} "{name}"')
        c.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _metrics_worker(args) -> int:
    lo, hi, now_iso = args
    from django.db import connections

    from metrics.services.rollups import ticket_metrics_recompute

    connections.close_all()
    now = datetime.fromisoformat(now_iso)
    step = 20_000
    for a in range(lo, hi, step):
        ticket_metrics_recompute(ticket_ids=range(a, min(hi, a + step)), now=now)
    return hi - lo


def _rebuild_worker(days: list[date]) -> int:
    from django.db import connections

    from metrics.services.rollups import rollup_rebuild_days

    connections.close_all()
    return rollup_rebuild_days(days=days)


def rollups(now: datetime, *, recompute_metrics: bool = False) -> dict:
    """TicketMetric rows of every ticket with the metrics app's ticket_metrics_recompute (two
    processes over id halves, when `recompute_metrics`), every day's rollups with its
    rollup_rebuild_days (two processes over disjoint days), then productive time per
    agent-day with productive_time_refresh (a few queries for the whole year)."""
    from django.db import connections

    from metrics.models import RollupWatermark, TicketMetric
    from metrics.services.rollups import WATERMARK

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    if recompute_metrics:
        half = TICKETS // 2 + 1
        parts = [(1, half, now.isoformat()), (half, TICKETS + 1, now.isoformat())]
        with ctx.Pool(2) as pool:
            pool.map(_metrics_worker, parts)
        log("ticket metrics done")
    days = set(TicketMetric.objects.values_list("created_day", flat=True).distinct()) | {
        now.date() - timedelta(days=i) for i in range(DAYS + 1)
    }
    ordered = sorted(days)
    connections.close_all()
    # Two disjoint runs of days in two processes: each replaces only its own days' rows.
    mid = len(ordered) // 2
    with ctx.Pool(2) as pool:
        rows = sum(pool.map(_rebuild_worker, [ordered[:mid], ordered[mid:]]))
    RollupWatermark.objects.update_or_create(name=WATERMARK, defaults={"value": now})
    log("daily rollups done")
    out = {"rollup_rows": rows, "rollup_days": len(days)}
    try:  # productive time per agent-day (metrics' own refresh), where the code has it
        from metrics.services.productive import productive_time_refresh
    except ImportError:
        return out
    agent_days = [d for d in ordered if d >= (now - timedelta(days=DAYS)).date()]
    out["agent_days"] = productive_time_refresh(days=agent_days, now=now)
    return out


def verify_metrics(now: datetime, sample: int = 2000) -> int:
    """Recompute the TicketMetric rows of a spread of tickets with the metrics app's
    ticket_metrics_recompute (reading the loaded messages, events, CSAT and SLA targets, in a
    transaction rolled back) and stop if any field differs from what the stream wrote."""
    from django.db import transaction

    from metrics.models import TicketMetric
    from metrics.services.rollups import ticket_metrics_recompute

    ids = sorted({1 + i * 7919 % TICKETS for i in range(sample)} | {TICKETS})
    fields = [
        f.attname
        for f in TicketMetric._meta.concrete_fields
        if not f.primary_key and f.name != "computed_at"
    ]

    def snapshot() -> dict:
        rows = TicketMetric.objects.filter(ticket_id__in=ids).values(*fields)
        return {r["ticket_id"]: r for r in rows}

    written = snapshot()
    with transaction.atomic():
        ticket_metrics_recompute(ticket_ids=ids, now=now)
        recomputed = snapshot()
        transaction.set_rollback(True)
    wrong = [t for t in ids if written.get(t) != recomputed.get(t)]
    if wrong:
        t = wrong[0]
        raise SystemExit(
            f"generate: {len(wrong)} of {len(ids)} ticket metrics differ from the metrics app's, "
            f"e.g. ticket {t}: written {written.get(t)} != recomputed {recomputed.get(t)}"
        )
    return len(ids)


def write_meta(dsn: str, meta: dict) -> None:
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text)")
        cur.execute("DELETE FROM bench_meta")
        cur.execute(
            "INSERT INTO bench_meta VALUES ('tickets', %s), ('meta', %s)",
            (str(meta["tickets"]), json.dumps(meta)),
        )
    conn.close()


def rollups_only(url: str) -> int:
    """BENCH_STEP=rollups: migrate and (re)build the rollups of a loaded data set, e.g. after
    the metrics code changed. BENCH_NOW must be the generation's `now`."""
    now = datetime.fromisoformat(os.environ["BENCH_NOW"])
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    t0 = time.perf_counter()
    counts = rollups(now, recompute_metrics=True)
    dsn = pg_dsn(url)
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("ANALYZE")
        for key, table in (
            ("messages", "tickets_message"),
            ("events", "tickets_ticketevent"),
            ("requesters", "tickets_requester"),
            ("tags", "tickets_ticket_tags"),
            ("qa", "metrics_qareview"),
            ("exposure", "teams_exposureentry"),
            ("presence", "teams_presencelog"),
        ):
            cur.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - fixed names
            counts[key] = cur.fetchone()[0]
        cur.execute(
            "SELECT COUNT(*) FROM tickets_ticket WHERE status IN ('new','open','pending','on_hold')"
        )
        counts["open"] = cur.fetchone()[0]
    conn.close()
    counts["workspace_ticket"] = TICKETS
    timings = {"rollups_s": round(time.perf_counter() - t0, 1)}
    if os.environ.get("BENCH_EARLIER_TIMINGS"):
        timings.update(json.loads(os.environ["BENCH_EARLIER_TIMINGS"]))
    write_meta(
        dsn,
        {
            "tickets": TICKETS,
            "seed": SEED,
            "now": now.isoformat(),
            "counts": counts,
            "timings": timings,
        },
    )
    log(f"rollups in {timings['rollups_s']:.0f}s: {counts}")
    return 0


def main() -> int:
    url = bench_url()
    if os.environ.get("BENCH_STEP") == "rollups":
        return rollups_only(url)
    if os.environ.get("BENCH_REGENERATE") != "1" and existing_size(url) == TICKETS:
        print(
            f"generate: {db_name(url)} already holds {TICKETS:,} tickets (BENCH_REGENERATE=1 to rebuild);"
            " migrating it to this commit's schema"
        )
        setup_django(url)
        from django.core.management import call_command

        call_command("migrate", verbosity=1, interactive=False)  # e.g. a new index
        return 0
    started = time.perf_counter()
    timings = {}
    now = (
        datetime.fromisoformat(os.environ["BENCH_NOW"])
        if os.environ.get("BENCH_NOW")
        else datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    )
    now_s = int(now.timestamp())
    log(f"{TICKETS:,} tickets into {db_name(url)} (seed {SEED}, now {now.isoformat()})")
    recreate(url)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    timings["migrate_s"] = time.perf_counter() - started

    rng = random.Random(SEED)
    people = make_people(rng, now)
    dsn = pg_dsn(url)
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        indexes, fks = secondary_structures(cur)
        for table, _sql, name in fks:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for _table, name, _sql in indexes:
            cur.execute(f'DROP INDEX "{name}"')
    log(f"people done; dropped {len(indexes)} indexes and {len(fks)} foreign keys")

    t0 = time.perf_counter()
    writer = Writer(dsn)
    counts = stream(writer, people, rng, now_s)
    counts["presence"] = presence(writer, people, now_s)
    writer.close()
    timings["copy_s"] = time.perf_counter() - t0
    log(f"COPY done in {timings['copy_s']:.0f}s: {json.dumps(counts)}")

    t0 = time.perf_counter()
    with conn.cursor() as cur:
        for table in BIG_TABLES:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )
    rebuild(dsn, indexes, fks)
    vacuum(dsn)
    timings["index_s"] = time.perf_counter() - t0
    log(f"indexes, foreign keys, VACUUM ANALYZE in {timings['index_s']:.0f}s")

    t0 = time.perf_counter()
    log(f"ticket metrics of {verify_metrics(now):,} tickets equal the metrics app's")
    timings["verify_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    counts.update(rollups(now))
    with conn.cursor() as cur:  # visibility maps for the dashboards' index-only scans
        for table in ROLLUP_TABLES:
            cur.execute(f"VACUUM ANALYZE {table}")
    timings["rollups_s"] = time.perf_counter() - t0
    log(f"rollups in {timings['rollups_s']:.0f}s")

    timings["total_s"] = time.perf_counter() - started
    meta = {
        "tickets": TICKETS,
        "seed": SEED,
        "now": now.isoformat(),
        "counts": counts,
        "timings": {k: round(v, 1) for k, v in timings.items()},
    }
    conn.close()
    write_meta(dsn, meta)
    log(f"done in {timings['total_s']:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
