"""Labels for the Settings pages: a policy's conditions in words, never codes."""

from django import template

from ..models import SLAPolicy, Ticket

register = template.Library()


def _labels(values, choices) -> str:
    names = dict(choices)
    if not isinstance(values, list):
        return "(invalid value)"
    return ", ".join(str(names.get(v, v)) for v in values)


@register.simple_tag
def policy_conditions(policy: SLAPolicy) -> list[str]:
    """'Priority: High, Urgent', 'Category: …', … for each condition the policy sets."""
    out = []
    if policy.priorities:
        out.append(f"Priority: {_labels(policy.priorities, Ticket.Priority.choices)}")
    categories = [c.name for c in policy.categories.all()]
    if categories:
        out.append(f"Category: {', '.join(categories)}")
    if policy.channels:
        out.append(f"Channel: {_labels(policy.channels, Ticket.Channel.choices)}")
    teams = [t.name for t in policy.teams.all()]
    if teams:
        out.append(f"Team: {', '.join(teams)}")
    if policy.requester_tiers:
        out.append(f"Requester tier: {_labels(policy.requester_tiers, [])}")
    return out
