"""Imminent risk at intake: recognising it, and what a flagged ticket sets off.

`risk_matcher()` compiles the admins' phrases (tickets.models.RiskPhraseSet) once per change;
`risk_matches(text)` finds them on whole words, ignoring case, accents and punctuation, after
blanking each language's exceptions (ordinary uses that never flag). `ticket_create` (every
door: help form, e-mail, API) asks `risk_assess` and, when the reporter or a phrase says so,
`risk_route` sends the ticket urgent to the on-call cleared team before its INSERT and
`risk_flag` records the flag after it (its SLA clock then gets a first-reply target in
minutes: tickets.services.sla_targets.targets_for), telling the on-call lead in the app and by e-mail at once.
The protocol's steps are `risk_step_record`, each in the ticket's history.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.memo import Memo
from teams.models import Agent, AuditEntry, Role, Sensitivity, Team
from teams.selectors import agents_on_shift, rotas_prefetched, teams_on_shift
from teams.services import audit_record

from .. import events
from ..caches import RISK_PHRASES
from ..emergency import requester_country
from ..models import Category, ImminentRisk, ImminentRiskStep, RiskPhraseSet, Ticket
from ..permissions import can_edit_risk_phrases, can_work
from .notify import notifications_create, ticket_label
from .sla_targets import risk_first_reply_minutes

# The protocol, in order: (step, what the agent does). The workspace shows it as a checklist.
PROTOCOL = (
    ("read", "Read the whole message and confirm whether someone may be in danger now"),
    ("resources", "Send the requester the emergency number and crisis line for their country"),
    ("location", "Ask where they are and whether they are safe right now, if not known"),
    ("emergency_services", "Decide with the lead whether to contact emergency services; note the decision"),
    ("lead_informed", "Make sure the on-call lead has taken over or agreed the next step"),
    ("documented", "Record the outcome in an internal note"),
)  # fmt: skip
STEPS = dict(PROTOCOL)
CLEARED = (Sensitivity.SENSITIVE, Sensitivity.RESTRICTED)


def normalise(text: str) -> str:
    """Lower case without accents, every run of non-letters one space: "¡Quiero MORIR!" and
    "quiero morir" read the same; word boundaries are the spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("ß", "ss").replace("ı", "i")
    return " ".join(re.findall(r"[^\W_]+", plain))


def _pattern(phrase: str) -> str | None:
    """Whole words in order; a word ending in * matches any word starting with it."""
    words = phrase.strip().split()
    parts = []
    for word in words:
        stem = normalise(word.rstrip("*"))
        if not stem:
            continue
        for i, piece in enumerate(stem.split(" ")):
            last = i == len(stem.split(" ")) - 1
            parts.append(re.escape(piece) + (r"\w*" if word.endswith("*") and last else ""))
    if not parts:
        return None
    return r"(?<!\w)" + " ".join(parts) + r"(?!\w)"


@dataclass(frozen=True)
class Matcher:
    """The compiled phrases: (language, phrase, regex) and the exceptions as one regex."""

    phrases: tuple[tuple[str, str, re.Pattern], ...]
    exceptions: re.Pattern | None


def phrase_pattern_errors(lines: list[str]) -> list[str]:
    """What is wrong with these phrase lines (the settings form shows it)."""
    errors = []
    for line in lines:
        if len(line) > 100:
            errors.append(f"“{line[:30]}…” is longer than 100 characters.")
        elif _pattern(line) is None:
            errors.append(f"“{line}” has no letters.")
        elif len(normalise(line.replace("*", ""))) < 5:
            errors.append(f"“{line}” is too short: it would flag ordinary words.")
        elif line.count("*") > 1 or ("*" in line and not line.endswith("*")):
            errors.append(f"“{line}”: only the last word may end in *.")
    return errors


def _compile() -> Matcher:
    phrases, exceptions = [], []
    for row in RiskPhraseSet.objects.filter(active=True).order_by("language"):
        for line in row.lines(row.phrases):
            if (pattern := _pattern(line)) is not None:
                phrases.append((row.language, line, re.compile(pattern)))
        exceptions += [p for line in row.lines(row.exceptions) if (p := _pattern(line))]
    return Matcher(
        tuple(phrases), re.compile("|".join(f"(?:{p})" for p in exceptions)) if exceptions else None
    )


_matcher: Memo[Matcher] = Memo(RISK_PHRASES.version_key, size=1)


def risk_matcher() -> Matcher:
    """The compiled phrases, read once per change of any phrase set."""
    return _matcher.get("matcher", _compile)


def risk_matches(text: str) -> list[dict[str, str]]:
    """The phrases found in `text` ([{"language", "phrase"}], each once), exceptions blanked."""
    matcher = risk_matcher()
    plain = normalise(text)
    if matcher.exceptions is not None:
        plain = matcher.exceptions.sub(" | ", plain)
    return [
        {"language": language, "phrase": phrase}
        for language, phrase, regex in matcher.phrases
        if regex.search(plain)
    ]


@dataclass
class Assessment:
    """Why a new ticket is flagged, and where it goes (risk_route fills team and lead)."""

    reporter: bool
    matched: list[dict[str, str]]
    country: str = ""
    country_source: str = "default"
    team: Team | None = None
    lead_id: int | None = None
    also_notify: list[int] = field(default_factory=list)
    note: str = ""

    @property
    def source(self) -> str:
        if self.reporter and self.matched:
            return ImminentRisk.Source.BOTH
        return ImminentRisk.Source.REPORTER if self.reporter else ImminentRisk.Source.PHRASE


def risk_assess(
    *, text: str, reporter_says: bool = False, country: str = "", requester=None, language=""
) -> Assessment | None:
    """Flag or not: the reporter's own choice, or a phrase in `text`. None when neither."""
    matched = risk_matches(text)
    if not reporter_says and not matched:
        return None
    found, source = requester_country(
        given=country,
        profile=getattr(requester, "country", ""),
        time_zone=getattr(requester, "time_zone", ""),
        language=language or getattr(requester, "locale", ""),
    )
    return Assessment(reporter_says, matched, found, source)


def _cleared_leads(teams: list[Team]) -> dict[int, Agent]:
    """Team id -> its lead's agent profile, for teams whose lead is active and cleared."""
    lead_ids = [t.lead_id for t in teams if t.lead_id]
    agents = rotas_prefetched(
        Agent.objects.filter(
            user_id__in=lead_ids, status=Agent.Status.ACTIVE, clearance__in=CLEARED
        )
    )
    by_user = {a.user_id: a for a in agents}
    return {t.pk: by_user[t.lead_id] for t in teams if t.lead_id in by_user}


def risk_route(*, assessment: Assessment, routed: Team | None, now: datetime) -> Assessment:
    """Find the on-call cleared team: a team on shift now (someone of it on shift, per the
    rota) whose lead is cleared for sensitive work and on shift too; else one on shift whose
    cleared lead is not; else the routed team if its lead is cleared; else any team with a
    cleared lead. Teams serving a sensitive or restricted category come first. Without any
    cleared lead the routed team keeps it and its manager and every admin are told."""
    teams = list(Team.objects.order_by("pk"))
    sensitive = set(Category.objects.filter(sensitivity__in=CLEARED).values_list("slug", flat=True))
    teams.sort(key=lambda t: (not sensitive & set(t.categories or ()), t.pk))
    leads = _cleared_leads(teams)
    on_shift = teams_on_shift(team_ids=[t.pk for t in teams if t.pk in leads], at=now)
    leads_on_shift = agents_on_shift(agents=leads.values(), at=now)
    candidates = [
        (lambda t: t.pk in on_shift and leads[t.pk].pk in leads_on_shift, "on shift now"),
        (lambda t: t.pk in on_shift, "on shift now, its lead is not: its manager is told too"),
        (lambda t: routed is not None and t.pk == routed.pk, "nobody on call: the routed team"),
        (lambda t: True, "nobody on call: the first team with a cleared lead"),
    ]
    for test, why in candidates:
        team = next((t for t in teams if t.pk in leads and test(t)), None)
        if team is not None:
            assessment.team, assessment.lead_id = team, team.lead_id
            assessment.note = f"{team.name}: {why}"
            if leads[team.pk].pk not in leads_on_shift and team.manager_id:
                assessment.also_notify.append(team.manager_id)
            return assessment
    assessment.team = routed
    admins = Agent.objects.filter(role=Role.ADMIN, status=Agent.Status.ACTIVE)
    assessment.also_notify = sorted(
        {u for u in [getattr(routed, "manager_id", None)] if u}
        | set(admins.values_list("user_id", flat=True))
    )
    assessment.note = (
        "No team has a cleared lead: the routed team keeps it; managers and admins told"
    )
    return assessment


def risk_flag(*, ticket: Ticket, assessment: Assessment, now: datetime) -> ImminentRisk:
    """Record the flag on a ticket just created (inside its transaction) and tell the on-call
    lead at once: an in-app notice and an e-mail through the outbox."""
    risk = ImminentRisk.objects.create(
        ticket=ticket, flagged_at=now, source=assessment.source, matched=assessment.matched,
        country=assessment.country, country_source=assessment.country_source,
        lead_id=assessment.lead_id, routing_note=assessment.note[:300],
    )  # fmt: skip
    why = "; ".join(f"“{m['phrase']}” ({m['language']})" for m in assessment.matched)
    events.record(ticket, None, "imminent_risk", "risk", "", why or "reported", at=now)
    text = f"Possible imminent risk — reply within {risk_first_reply_minutes()} min: "
    recipients = [u for u in [assessment.lead_id, *assessment.also_notify] if u]
    if recipients:
        notifications_create(
            items=[(u, ticket.pk, "imminent_risk", text + ticket_label(ticket)) for u in dict.fromkeys(recipients)],
            now=now,
        )  # fmt: skip
    return risk


@transaction.atomic
def risk_step_record(*, ticket: Ticket, step: str, by, note: str = "") -> ImminentRiskStep:
    """Mark one protocol step done (who, when, a note) and write it in the ticket's history.
    Refused: an unknown step, a ticket not flagged, a person who cannot work tickets, a step
    already done."""
    if step not in STEPS:
        raise ValidationError("No such step in the imminent-risk protocol.")
    if not can_work(by):
        raise PermissionDenied("Only people who work tickets record protocol steps.")
    risk = ImminentRisk.objects.filter(ticket=ticket).first()
    if risk is None:
        raise ValidationError("This ticket is not flagged as imminent risk.")
    try:
        with transaction.atomic():
            done = ImminentRiskStep.objects.create(
                risk=risk, step=step, done_by=by, done_at=timezone.now(), note=note.strip()[:2000]
            )
    except IntegrityError as exc:
        raise ValidationError("That step is already recorded.") from exc
    events.record(ticket, by, "risk_step", step, "", STEPS[step], at=done.done_at)
    return done


@transaction.atomic
def risk_phrases_save(
    *, by, language: str, name: str, phrases: str, exceptions: str = "", active: bool = True
) -> RiskPhraseSet:
    """Create or change one language's phrases (admins only: PermissionDenied), checked line
    by line (ValidationError naming each bad line). Audited; the next ticket reads them."""
    if not can_edit_risk_phrases(by):
        raise PermissionDenied("Only admins change the imminent-risk phrases.")
    language = language.strip().lower()
    if not re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,8})?", language):
        raise ValidationError("The language is an ISO 639 code such as en, es or pt-br.")
    errors = phrase_pattern_errors(RiskPhraseSet.lines(phrases)) + phrase_pattern_errors(
        RiskPhraseSet.lines(exceptions)
    )
    if errors:
        raise ValidationError(errors)
    if active and not RiskPhraseSet.lines(phrases):
        raise ValidationError("An active language needs at least one phrase.")
    row, created = RiskPhraseSet.objects.update_or_create(
        language=language,
        defaults={
            "name": name.strip()[:60] or language, "phrases": phrases.strip(),
            "exceptions": exceptions.strip(), "active": active, "updated_by": by,
        },
    )  # fmt: skip
    audit_record(
        actor=by, action=AuditEntry.Action.RISK_PHRASES_CHANGE, target=row,
        detail={"language": language, "created": created,
                "phrases": len(row.lines(row.phrases)), "active": active},
    )  # fmt: skip
    return row
