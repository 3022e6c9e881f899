"""The ticket stream: requesters, tickets, messages, events, tags, CSAT ratings, SLA targets,
TicketMetric rows, QA reviews and exposure entries, written through COPY in chunks."""

from __future__ import annotations

import html
import random

from bench.generation.config import (
    BACKLOG_DAYS,
    CHUNK,
    DAYS,
    N_TEAMS,
    SAFETY_TEAMS,
    TICKETS,
    WORDS,
    log,
)
from bench.generation.copytext import Writer, esc, n, ts, utc
from bench.generation.reviews import CSAT_COLS, csat_row, qa_answers, qa_scorecard
from bench.generation.sla import REPLY_MINUTES, SLA_COLS, sla_targets
from bench.generation.ticket_metrics import ticket_metric

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
