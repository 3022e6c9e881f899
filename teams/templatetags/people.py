"""Template filters about people."""

from django import template

register = template.Library()


@register.filter
def person(user, empty: str = "—") -> str:
    """A user's full name, else their username; `empty` when there is no user at all.

    Safer than `user.get_full_name|default:user.username`, which raises inside a filter
    argument when `user` is None (e.g. an unassigned ticket).
    """
    if user is None or not getattr(user, "pk", None):
        return empty
    return user.get_full_name() or user.username
