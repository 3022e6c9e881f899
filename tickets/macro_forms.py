"""The macro editor's form (Settings → Macros): who the macro is for, its body with
placeholders checked by name, and its actions chosen from lists by label (never typed codes)."""

from __future__ import annotations

from django import forms
from django.utils.text import slugify

from teams.models import Agent, PolicyArticle

from .models import Category, Macro, Ticket
from .services.macros import PLACEHOLDER_NAMES, unknown_placeholders

PERSONAL, ALL_TEAMS = "personal", "all"
KEEP = ""
MACRO_STATUSES = [
    (s.value, s.label) for s in Ticket.Status if s not in (Ticket.Status.NEW, Ticket.Status.CLOSED)
]


class MacroForm(forms.Form):
    title = forms.CharField(max_length=200)
    shared_with = forms.ChoiceField(label="Who may use it")
    body = forms.CharField(
        label="Reply",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Markdown. Placeholders: "
        + ", ".join("{{" + n + "}}" for n in PLACEHOLDER_NAMES),
    )
    active = forms.BooleanField(required=False, initial=True, label="Offered in the workspace")
    policy_article = forms.ModelChoiceField(
        PolicyArticle.objects.order_by("title"),
        required=False,
        label="Cites the policy",
        empty_label="No policy",
        help_text="A newer version of it flags the macro for review until it is saved again.",
    )
    status = forms.ChoiceField(label="Set status", required=False)
    priority = forms.TypedChoiceField(
        label="Set priority", required=False, coerce=int, empty_value=None
    )
    category = forms.ChoiceField(label="Set category", required=False)
    tags = forms.CharField(
        label="Add tags", required=False, max_length=300, help_text="Separated by commas."
    )
    assignee = forms.TypedChoiceField(
        label="Assign to", required=False, coerce=int, empty_value=None
    )
    internal_note = forms.CharField(
        label="Add internal note", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    ACTION_FIELDS = ("status", "priority", "category", "tags", "assignee", "internal_note")

    def action_fields(self):
        return [self[name] for name in self.ACTION_FIELDS]

    def __init__(self, *args, teams=(), share_with_all=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.teams = {str(t.pk): t for t in teams}
        shared = [(PERSONAL, "Only me (personal macro)")]
        if share_with_all:
            shared.append((ALL_TEAMS, "Every team"))
        shared += [(pk, f"Team {t.name}") for pk, t in self.teams.items()]
        self.fields["shared_with"].choices = shared
        self.fields["status"].choices = [(KEEP, "Leave as is")] + MACRO_STATUSES
        self.fields["priority"].choices = [(KEEP, "Leave as is")] + list(Ticket.Priority.choices)
        self.fields["category"].choices = [(KEEP, "Leave as is")] + list(
            Category.objects.filter(active=True).values_list("slug", "name")
        )
        people = (
            Agent.objects.filter(status=Agent.Status.ACTIVE, user__is_active=True)
            .filter(team__in=list(self.teams.values()) or [None])
            .select_related("user", "team")
            .order_by("user__first_name", "user__username")
        )
        self.fields["assignee"].choices = [(KEEP, "Leave as is")] + [
            (a.user_id, f"{a.user.get_full_name() or a.user.username} ({a.team.name})")
            for a in people
        ]

    @classmethod
    def initial_for(cls, macro: Macro) -> dict:
        actions = macro.actions or {}
        shared = PERSONAL if macro.owner_id else str(macro.team_id) if macro.team_id else ALL_TEAMS
        return {
            "title": macro.title,
            "shared_with": shared,
            "body": macro.body,
            "active": macro.active,
            "policy_article": macro.policy_article_id,
            "status": actions.get("status", KEEP),
            "priority": actions.get("priority", KEEP),
            "category": actions.get("category", KEEP),
            "tags": ", ".join(actions.get("tags", [])),
            "assignee": actions.get("assignee", KEEP),
            "internal_note": actions.get("internal_note", ""),
        }

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        unknown = unknown_placeholders(body)
        if unknown:
            raise forms.ValidationError(
                "Unknown placeholder{}: {}. Use one of the names listed below.".format(
                    "s" if len(unknown) > 1 else "", ", ".join("{{" + n + "}}" for n in unknown)
                )
            )
        return body

    def clean_tags(self) -> list[str]:
        names = [n.strip() for n in self.cleaned_data["tags"].split(",") if n.strip()]
        bad = [n for n in names if not slugify(n)]
        if bad:
            raise forms.ValidationError(f"“{bad[0]}” is not a usable tag.")
        return [slugify(n) for n in names]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if not data["body"].strip() and not self.actions():
            raise forms.ValidationError("A macro needs a reply, an action or both.")
        return data

    def actions(self) -> dict:
        data = self.cleaned_data
        actions: dict = {}
        for name in ("status", "category"):
            if data.get(name):
                actions[name] = data[name]
        for name in ("priority", "assignee"):
            if data.get(name) is not None:
                actions[name] = data[name]
        if data.get("tags"):
            actions["tags"] = data["tags"]
        if data.get("internal_note", "").strip():
            actions["internal_note"] = data["internal_note"].strip()
        return actions

    def values(self, user, macro: Macro | None = None) -> dict:
        """The model fields to save (after is_valid); a personal macro keeps its owner."""
        data = self.cleaned_data
        owner = macro.owner if macro is not None and macro.owner_id else user
        shared = data["shared_with"]
        return {
            "title": data["title"].strip(),
            "body": data["body"],
            "active": data["active"],
            "policy_article": data["policy_article"],
            "actions": self.actions(),
            "owner": owner if shared == PERSONAL else None,
            "team": self.teams.get(shared),
        }

    def action_labels(self) -> list[tuple[str, str]]:
        """(what, to what) of the actions, by their labels, for the preview."""
        out = []
        for name, value in self.actions().items():
            field = self.fields[name]
            if isinstance(value, list):
                shown = ", ".join(value)
            else:
                shown = {str(k): v for k, v in getattr(field, "choices", [])}.get(
                    str(value), str(value)
                )
            out.append((str(field.label), shown))
        return out
