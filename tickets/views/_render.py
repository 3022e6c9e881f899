"""One place that answers htmx with a fragment and everything else with the whole page."""

from django.shortcuts import render


def render_page_or_partial(request, template: str, partial: str, context: dict, status=200):
    name = f"{template}#{partial}" if request.htmx else template
    return render(request, name, context, status=status)


def uploaded_files(request, field: str = "files") -> list[tuple[str, bytes]]:
    """(name, bytes) pairs of the uploaded files; sizes are checked by the services."""
    return [(f.name, f.read()) for f in request.FILES.getlist(field)]
