"""factory_boy factories for every model tests build; deterministic where it matters."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from teams.models import Agent, ExposureConsent, ExposureKind, Role, Sensitivity, Team, Vendor
from teams.services import agent_set_role
from tickets.models import Attachment, Category, Message, Requester, Ticket

User = get_user_model()


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Vendor {n}")
    slug = factory.Sequence(lambda n: f"vendor-{n}")
    kind = Vendor.Kind.IN_HOUSE
    country = "US"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    vendor = factory.SubFactory(VendorFactory)
    time_zone = "UTC"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@staff.example.com")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = "Tester"
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AgentFactory(factory.django.DjangoModelFactory):
    """An agent with a user, in the group of its role (admins become superusers)."""

    class Meta:
        model = Agent
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    role = Role.ASSOCIATE
    team = factory.SubFactory(TeamFactory)
    capacity = 10
    clearance = Sensitivity.NONE
    time_zone = "UTC"

    @factory.post_generation
    def _groups(obj, create, extracted, **kwargs):
        if create:
            agent_set_role(agent=obj, role=obj.role)

    @factory.post_generation
    def consents(obj, create, extracted, **kwargs):
        """Opted in to every kind of sensitive work unless `consents=[...]` names the kinds
        (the clearance still decides what they may see)."""
        if create:
            kinds = ExposureKind.values if extracted is None else extracted
            ExposureConsent.objects.bulk_create(
                [ExposureConsent(user_id=obj.user_id, kind=k, at=timezone.now()) for k in kinds]
            )


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"category-{n}")
    name = factory.LazyAttribute(lambda c: c.slug.replace("-", " ").title())
    sensitivity = Sensitivity.NONE


class RequesterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Requester

    email = factory.Sequence(lambda n: f"requester{n}@users.example.org")
    name = factory.Sequence(lambda n: f"Requester {n}")


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    subject = factory.Sequence(lambda n: f"Cannot log in ({n})")
    requester = factory.SubFactory(RequesterFactory)
    category = factory.SubFactory(CategoryFactory)
    team = factory.SubFactory(TeamFactory)
    created_at = factory.LazyFunction(timezone.now)


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    ticket = factory.SubFactory(TicketFactory)
    author_requester = factory.LazyAttribute(lambda m: m.ticket.requester)
    body_html = "<p>Hello, I cannot log in.</p>"
    body_text = "Hello, I cannot log in."
    created_at = factory.LazyFunction(timezone.now)


class AttachmentFactory(factory.django.DjangoModelFactory):
    """A small text file on a ticket (MEDIA_ROOT: point it at a tmp_path in the test)."""

    class Meta:
        model = Attachment

    ticket = factory.SubFactory(TicketFactory)
    file = factory.django.FileField(filename="note.txt", data=b"hello")
    name = "note.txt"
    content_type = "text/plain"
    size = 5
    sha256 = "0" * 64


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tickets.Tag"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"tag-{n}")


class MacroFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tickets.Macro"

    title = factory.Sequence(lambda n: f"Macro {n}")
    body = "Hi {{requester.name}},\n\nThis is {{agent.name}} about {{ticket.reference}}."
    actions = factory.LazyFunction(dict)


class SavedViewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tickets.SavedView"

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"View {n}")
    query = "status=open"


# --- teams: rota, presence, coaching, policies (added by the teams helper) ---------------


class ShiftTemplateFactory(factory.django.DjangoModelFactory):
    """A weekly shift, Monday 09:00-17:00 in the agent's time zone unless told otherwise."""

    class Meta:
        model = "teams.ShiftTemplate"

    agent = factory.SubFactory(AgentFactory)
    weekday = 0
    start = datetime.time(9)
    end = datetime.time(17)


class CoachingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "teams.CoachingSession"

    coach = factory.SubFactory(UserFactory)
    associate = factory.SubFactory(AgentFactory)
    team = factory.LazyAttribute(lambda s: s.associate.team)
    date = datetime.date(2026, 11, 20)
    agenda = "Tone in refund replies"


class FeedbackNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "teams.FeedbackNote"

    author = factory.SubFactory(UserFactory)
    associate = factory.SubFactory(AgentFactory)
    team = factory.LazyAttribute(lambda s: s.associate.team)
    kind = "kudos"
    text = "Clear, kind recovery steps."


# --- end of teams factories ---


def png_bytes(size=(2, 2), color="red") -> bytes:
    """A real PNG (Pillow decodes it): uploads must be images Pillow can re-encode."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()
