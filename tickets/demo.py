"""Demo work: the category taxonomy, requesters, ~20,000 tickets over 90 days with threads,
statuses, priorities and the events behind them. Deterministic for a given seed and `now`."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from teams.models import Agent, ExposureKind, Sensitivity, Team

from .demo_safety import seed_exposure, seed_sensitive_media
from .demo_sla import seed_sla_history
from .mail.sanitize import text_to_html
from .models import (
    Category,
    CSATResponse,
    Macro,
    Message,
    Requester,
    Tag,
    Ticket,
    TicketEvent,
    TicketSLA,
)

S, P = Ticket.Status, Ticket.Priority
# Each demo team's reply and solve times, relative (other teams: 1.0).
PACES = {"account-care": 1.0, "manila-care": 0.78, "krakow-care": 1.3, "trust-safety": 0.6}


CATEGORIES = [
    # slug, name, sensitivity, weight, subjects, opening lines
    ("account-access", "Account access", Sensitivity.NONE, 24,
     ["Can't log in", "Login code never arrives", "Locked out after password change", "2FA code not accepted", "App keeps logging me out"],
     ["I've tried to log in all morning and it says my password is wrong, but I just reset it.",
      "The six-digit code never shows up on my phone. I've waited 20 minutes and tried three times.",
      "After changing my password on the web the app logs me out every time I open it."]),
    ("account-recovery", "Account recovery", Sensitivity.NONE, 16,
     ["Hacked account", "Lost access to email on my account", "Someone changed my phone number", "Recover deleted account"],
     ["Someone got into my account overnight and changed the email. I still have the old password.",
      "I no longer have the email address my account uses. How can I prove it's mine?",
      "I deleted my account by mistake last week, can it be restored?"]),
    ("technical-issue", "Technical issue", Sensitivity.NONE, 18,
     ["App crashes on start", "Videos won't upload", "Notifications stopped", "Feed is blank", "Camera shows black screen"],
     ["Since the last update the app closes as soon as I open it (Android 14, Pixel 7).",
      "Uploads get stuck at 99% and then fail with 'Something went wrong'.",
      "I stopped getting any notifications two days ago, they are enabled in settings."]),
    ("content-appeal", "Content appeal", Sensitivity.NONE, 12,
     ["My post was removed by mistake", "Appeal: account restricted", "Video taken down for music"],
     ["My post was removed for 'hate speech' but it was a quote from a history book.",
      "My account can't post for 7 days and I don't know which rule I broke.",
      "My video was taken down for copyright but I own the song."]),
    ("billing", "Billing", Sensitivity.NONE, 8,
     ["Charged twice for Premium", "Refund for subscription", "Can't cancel subscription"],
     ["I see two charges of $9.99 on my card this month for Premium.",
      "I cancelled on the 2nd but was still charged on the 5th. Please refund.",]),
    ("privacy-request", "Privacy request", Sensitivity.NONE, 4,
     ["Download my data", "Delete my personal data", "Who can see my profile?"],
     ["Under GDPR I'd like a copy of all the data you hold about me.",
      "Please delete my account and all personal data."]),
    ("feedback", "Feedback", Sensitivity.NONE, 6,
     ["Feature request: dark mode schedule", "The new feed is confusing", "Love the new editor"],
     ["It would be great if dark mode could follow sunset.", "I can't find my friends' posts anymore in the new feed."]),
    ("safety-report", "Safety report", Sensitivity.SENSITIVE, 7,
     ["Harassment from another user", "Violent threats in comments", "Impersonation account", "Graphic violence in feed"],
     ["A user keeps sending me threatening messages even after I blocked their first account.",
      "Someone is posting graphic videos of violence in the comments of my posts.",
      "An account is pretending to be me and messaging my friends."]),
    ("self-harm", "Self-harm concern", Sensitivity.SENSITIVE, 3,
     ["Worried about a friend's posts", "User posting about self-harm"],
     ["My friend posted something last night that sounded like a goodbye. I'm scared for her.",
      "A user in a group I'm in is sharing images of self-harm."]),
    ("child-safety", "Child safety", Sensitivity.RESTRICTED, 2,
     ["Report: adult contacting minors", "Report: exploitative content"],
     ["An adult account is messaging children in my son's gaming group.",
      "I found an account sharing content that exploits minors."]),
]  # fmt: skip

AGENT_REPLIES = [
    "Thanks for reaching out, {name}. I've looked into your account and {fix}",
    "Hi {name}, sorry for the trouble. {fix}",
    "Hello {name}, thank you for your patience. {fix}",
]
FIXES = [
    "I've sent a new sign-in link to your email; it is valid for 24 hours.",
    "I've reset the security settings on your account, please try again now.",
    "our engineers fixed this in version 24.11.2 — please update the app from the store.",
    "I've restored the content; it should be visible again within an hour.",
    "I've issued a refund; it will appear on your statement in 5-10 business days.",
    "we've taken action on the account you reported. Thank you for helping keep the community safe.",
]
REQUESTER_FOLLOWUPS = ["It still doesn't work.", "Thank you, that fixed it!", "Can you check again? Nothing changed.", "Got it, thanks."]  # fmt: skip

FIRST = ["Liam", "Olivia", "Noah", "Emma", "Ava", "Mia", "Lucas", "Sofia", "Amir", "Zoe", "Ethan", "Lea", "Mark", "Joy", "Paolo", "Ines", "Kai", "Nora", "Hiro", "Ayla"]  # fmt: skip
LAST = ["Smith", "Dela Cruz", "Kowalczyk", "Müller", "Brown", "Santos", "Garcia", "Wong", "Ali", "Jensen", "Rossi", "Reyes"]  # fmt: skip
COUNTRIES = [("US", "en", "America/Chicago"), ("PH", "tl", "Asia/Manila"), ("PL", "pl", "Europe/Warsaw"), ("DE", "de", "Europe/Berlin"), ("GB", "en", "Europe/London"), ("MX", "es", "America/Mexico_City")]  # fmt: skip

MACROS = [
    ("Password reset link sent", "Hi {{requester.name}},\n\nI've sent a password reset link to {{requester.email}}. It works for 24 hours.\n\nBest,\n{{agent.name}}", {"status": "pending"}),
    ("Solved: update the app", "Hi {{requester.name}},\n\nThis is fixed in the latest version of the app. Please update from your app store and let us know if it happens again.\n\n{{agent.name}}", {"status": "solved"}),
    ("Ask for account details", "Hi {{requester.name}},\n\nTo verify the account is yours, please reply with the username and the approximate date you created it.\n\n{{agent.name}}", {"status": "pending"}),
    ("Safety report received", "Hi {{requester.name}},\n\nThank you for the report. Our safety team reviews every report and takes action where our rules are broken. If you are in danger, please contact local emergency services.\n\n{{agent.name}}", {"priority": 3, "tags": ["safety"]}),
]  # fmt: skip


# The kind of sensitive work of each sensitive category (associates consent per kind).
KINDS = {
    "safety-report": ExposureKind.OTHER,
    "self-harm": ExposureKind.SELF_HARM,
    "child-safety": ExposureKind.CHILD_SAFETY,
}


def seed_categories() -> dict[str, Category]:
    out = {}
    for i, (slug, name, sensitivity, *_rest) in enumerate(CATEGORIES):
        out[slug], _ = Category.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "sensitivity": sensitivity,
                "position": i,
                "exposure_kind": KINDS.get(slug, ""),
            },
        )
    for title, body, actions in MACROS:
        Macro.objects.get_or_create(title=title, defaults={"body": body, "actions": actions})
    return out


def _created_at(rng: random.Random, now, days: int):
    """Arrivals over `days`, heavier on recent days and in daytime hours (UTC-ish peak), at or
    before `now`."""
    day = int(days * (rng.random() ** 1.3))
    hour = int(rng.triangular(0, 24, 15)) % 24
    at = now.replace(hour=hour, minute=rng.randint(0, 59), second=rng.randint(0, 59))
    at -= timedelta(days=day)
    # Today's hours still to come happened yesterday: the demo is never in the future.
    return at - timedelta(days=1) if at > now else at


LIVE_MIN, LIVE_SHARE = 8, 600  # tickets in the last hour: at least 8, else 1 in 600


@transaction.atomic
def seed_tickets(*, count: int = 20_000, days: int = 90, seed: int = 7, now=None) -> int:
    """Create `count` tickets with threads and events unless tickets already exist. Returns how many."""
    if Ticket.objects.exists():
        return 0
    rng = random.Random(seed)
    now = (now or timezone.now()).replace(microsecond=0)
    categories = seed_categories()
    teams = {t.slug: t for t in Team.objects.all()}
    agents_by_team: dict[int, list[Agent]] = {}
    for agent in Agent.objects.filter(role="associate").select_related("user").order_by("pk"):
        agents_by_team.setdefault(agent.team_id, []).append(agent)
    care_teams = [teams[s] for s in ("account-care", "manila-care", "krakow-care") if s in teams]
    safety_team = teams.get("trust-safety") or care_teams[0]
    weights = [c[3] for c in CATEGORIES]

    requesters = []
    for i in range(max(50, count * 6 // 10)):
        country, lang, tz = rng.choice(COUNTRIES)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        requesters.append(
            Requester(
                email=f"{first.lower()}.{last.lower().replace(' ', '')}{i}@users.example.org",
                name=f"{first} {last}",
                handle=f"@{first.lower()}{i}",
                external_id=f"u{100000 + i}",
                country=country,
                locale=lang,
                time_zone=tz,
            )
        )
    requesters = Requester.objects.bulk_create(requesters, batch_size=2000)

    tickets, threads = [], []
    load: dict[int, int] = {}
    # The last 75 minutes' arrivals (new, most not yet answered): the live queue the demo opens
    # on, with SLA clocks about to fall due whatever the size of the seed.
    live = max(LIVE_MIN, count // LIVE_SHARE)
    # Each team works at its own pace (reply and solve times scaled), so the dashboards'
    # figures tell teams and vendors apart as a real operation's do.
    pace = {t.pk: PACES.get(slug, 1.0) for slug, t in teams.items()}
    for i in range(count):
        spec = rng.choices(CATEGORIES, weights=weights)[0]
        slug, _name, sensitivity, _w, subjects, openings = spec
        team = safety_team if sensitivity != Sensitivity.NONE else rng.choice(care_teams)
        requester = rng.choice(requesters)
        if i < live:
            created = now - timedelta(minutes=rng.randint(3, 75), seconds=rng.randint(0, 59))
        else:
            created = _created_at(rng, now, days)
        age_h = (now - created).total_seconds() / 3600
        priority = rng.choices([P.LOW, P.NORMAL, P.HIGH, P.URGENT], weights=[15, 55, 22, 8])[0]
        if sensitivity != Sensitivity.NONE:
            priority = max(priority, P.HIGH)
        # Older tickets are mostly done; the last two days hold the live backlog.
        if age_h < 2:
            status = rng.choices([S.NEW, S.OPEN], weights=[7, 3])[0]
        elif age_h < 48:
            status = rng.choices(
                [S.NEW, S.OPEN, S.PENDING, S.ON_HOLD, S.SOLVED], weights=[2, 4, 3, 1, 8]
            )[0]
        elif age_h < 96:
            status = rng.choices([S.OPEN, S.PENDING, S.ON_HOLD, S.SOLVED], weights=[1, 2, 1, 14])[0]
        else:
            status = rng.choices(
                [S.OPEN, S.PENDING, S.SOLVED, S.CLOSED], weights=[0.2, 0.6, 4, 60]
            )[0]
        pool = agents_by_team.get(team.pk, [])
        assignee = None
        if pool and status != S.NEW:
            if status in Ticket.UNSOLVED:  # keep every associate's open load under capacity
                free = [a for a in pool if load.get(a.pk, 0) < a.capacity - 4]
                if free:
                    chosen = rng.choice(free)
                    load[chosen.pk] = load.get(chosen.pk, 0) + 1
                    assignee = chosen.user
            else:
                assignee = rng.choice(pool).user
        t = Ticket(
            subject=rng.choice(subjects),
            requester=requester,
            category=categories[slug],
            priority=priority,
            status=status,
            team=team,
            assignee=assignee,
            channel=rng.choices(["web", "email", "api"], weights=[5, 4, 1])[0],
            language=requester.locale if requester.locale in team.languages else "en",
            created_at=created,
            last_requester_reply_at=created,
        )
        frt = timedelta(minutes=int(rng.lognormvariate(4.2, 1.0) * pace[team.pk]) + 3)
        thread = [("requester", created, rng.choice(openings))]
        if status != S.NEW and created + frt < now:
            t.first_reply_at = t.last_public_reply_at = created + frt
            thread.append(("agent", created + frt, None))
            if rng.random() < 0.35 and created + frt * 2 < now:
                follow = created + frt + timedelta(minutes=rng.randint(10, 600))
                if follow < now:
                    thread.append(("requester", follow, rng.choice(REQUESTER_FOLLOWUPS)))
                    t.last_requester_reply_at = follow
                    reply2 = follow + timedelta(minutes=rng.randint(5, 300))
                    if reply2 < now:
                        thread.append(("agent", reply2, None))
                        t.last_public_reply_at = reply2
            if rng.random() < 0.15:
                thread.append(("note", created + frt - timedelta(minutes=1), None))
        if status in (S.SOLVED, S.CLOSED):
            last = max(m[1] for m in thread)
            t.solved_at = min(now, last + timedelta(minutes=rng.randint(1, 180) * pace[team.pk]))
            if rng.random() < 0.06:
                t.reopen_count = 1
            if status == S.CLOSED:
                t.closed_at = min(now, t.solved_at + timedelta(days=4))
        tickets.append(t)
        threads.append(thread)

    slas = seed_sla_history(tickets, threads, now=now)  # sets due_at before the INSERT
    tickets = Ticket.objects.bulk_create(tickets, batch_size=2000)
    TicketSLA.objects.bulk_create(slas, batch_size=5000)
    messages, events = [], []
    for t, thread in zip(tickets, threads, strict=True):
        name = t.requester.name.split()[0]
        for kind, at, text in thread:
            if kind == "requester":
                body, author_user, author_req, mkind = text, None, t.requester, Message.Kind.PUBLIC
            elif kind == "agent":
                body = rng.choice(AGENT_REPLIES).format(name=name, fix=rng.choice(FIXES))
                author_user, author_req, mkind = t.assignee, None, Message.Kind.PUBLIC
            else:
                body = "Checked the login logs: attempts from a new device in another country. Watching for more."
                author_user, author_req, mkind = t.assignee, None, Message.Kind.INTERNAL
            messages.append(
                Message(
                    ticket=t,
                    kind=mkind,
                    author_user=author_user,
                    author_requester=author_req,
                    body_html=text_to_html(body),
                    body_text=body,
                    channel=t.channel if author_req else Ticket.Channel.AGENT,
                    created_at=at,
                )
            )
        events.append(
            TicketEvent(
                ticket=t, created_at=t.created_at, kind="created", field="status", new=S.NEW
            )
        )
        if t.assignee_id:
            events.append(TicketEvent(ticket=t, actor=t.assignee, created_at=t.first_reply_at or t.created_at, kind="assign", field="assignee", new=str(t.assignee_id)))  # fmt: skip
        if t.first_reply_at:
            events.append(TicketEvent(ticket=t, actor=t.assignee, created_at=t.first_reply_at, kind="status", field="status", old=S.NEW, new=S.OPEN))  # fmt: skip
        if t.solved_at:
            events.append(TicketEvent(ticket=t, actor=t.assignee, created_at=t.solved_at, kind="status", field="status", old=S.OPEN, new=S.SOLVED))  # fmt: skip
        if t.closed_at:
            events.append(TicketEvent(ticket=t, created_at=t.closed_at, kind="status", field="status", old=S.SOLVED, new=S.CLOSED))  # fmt: skip
        elif t.status in (S.PENDING, S.ON_HOLD):
            events.append(TicketEvent(ticket=t, actor=t.assignee, created_at=t.last_public_reply_at or t.created_at, kind="status", field="status", old=S.OPEN, new=t.status))  # fmt: skip
    Message.objects.bulk_create(messages, batch_size=5000)
    TicketEvent.objects.bulk_create(events, batch_size=5000)
    seed_escalations(tickets, now=now)
    seed_csat(tickets, now=now, seed=seed)
    seed_sensitive_media(tickets)
    seed_exposure(tickets, now=now, seed=seed)
    return len(tickets)


CSAT_WEIGHTS = (5, 6, 11, 30, 48)  # ratings 1-5: mostly satisfied, a tail of unhappy ones
CSAT_COMMENTS = {
    1: "Took days and I had to repeat myself.",
    2: "The fix worked but nobody told me why it broke.",
    5: "Quick and friendly, thank you!",
}


def seed_csat(tickets: list[Ticket], *, now, seed: int = 7, share: float = 0.25) -> int:
    """CSAT responses on about `share` of the solved demo tickets, deterministic for `seed`
    (its own random stream, so the tickets themselves do not change). Credited to the
    assignee, who wrote the demo's public replies; rated 1-48 hours after the solve."""
    rng = random.Random(seed * 7919 + 1)
    rows = []
    for t in tickets:
        if t.status not in Ticket.DONE or not t.solved_at or not t.assignee_id:
            continue
        if rng.random() >= share:
            continue
        rating = rng.choices((1, 2, 3, 4, 5), weights=CSAT_WEIGHTS)[0]
        sent = min(now, t.solved_at + timedelta(hours=1))
        rated = min(now, sent + timedelta(minutes=rng.randint(5, 47 * 60)))
        comment = CSAT_COMMENTS.get(rating, "") if rng.random() < 0.3 else ""
        rows.append(
            CSATResponse(
                ticket=t,
                rating=rating,
                comment=comment,
                agent_id=t.assignee_id,
                survey_sent_at=sent,
                used_values=[rating],
                rated_at=rated,
                created_at=sent,
                updated_at=rated,
            )
        )
    CSATResponse.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


def seed_escalations(tickets: list[Ticket], *, now, limit: int = 25) -> int:
    """Tag the demo's overdue high/urgent tickets "escalated" (as a lead or the SLA sweep
    would), so the Escalations queue has work in it. Returns how many were tagged."""
    overdue = [
        t
        for t in tickets
        if t.status in Ticket.UNSOLVED and t.priority >= P.HIGH and t.due_at and t.due_at < now
    ][:limit]
    if not overdue:
        return 0
    tag, _ = Tag.objects.get_or_create(name="escalated")
    Ticket.tags.through.objects.bulk_create(
        [Ticket.tags.through(ticket_id=t.pk, tag_id=tag.pk) for t in overdue],
        ignore_conflicts=True,
    )
    TicketEvent.objects.bulk_create(
        [
            TicketEvent(ticket=t, created_at=t.due_at, kind="tag", field="tags", new=tag.name)
            for t in overdue
        ]
    )
    return len(overdue)
