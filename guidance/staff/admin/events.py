"""A consultation's events: made and changed here (their notes too, published from the event's
page: guidance/staff/events.py), with who signed up listed under each, names, addresses and access
needs only for staff allowed to see personal data."""

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count, Q

from guidance.consultations.markdown import check_markdown
from guidance.models import Event, EventSignUp
from guidance.privacy.personal_data import may_see_personal_data
from guidance.staff.admin.base import PersonalDataAdmin


class EventForm(forms.ModelForm):
    # A link typed without its scheme is taken as https (Django 6's default, chosen now).
    link = forms.URLField(
        required=False, max_length=200, assume_scheme="https", help_text=Event._meta.get_field("link").help_text
    )

    class Meta:
        model = Event
        fields = [
            "consultation", "kind", "title", "slug", "description", "starts_at", "ends_at", "place", "link",
            "accessibility", "moderation", "signup_open", "capacity", "notes",
        ]  # fmt: skip

    def clean_notes(self):
        # The notes are shown as Markdown on the event's page: kept within what it can show.
        notes = self.cleaned_data["notes"]
        check_markdown(notes)
        return notes


class SignUpInline(admin.TabularInline):
    """Who signed up, read-only: sign-ups are made and cancelled by the people themselves."""

    template = "admin/guidance/readonly_tabular.html"
    model = EventSignUp
    extra = 0
    can_delete = False
    verbose_name_plural = "sign-ups"
    WITHOUT_PERSONAL_DATA = ["status", "created_at", "reminded_at", "cancelled_at"]

    def get_fields(self, request, obj=None):
        if may_see_personal_data(request.user):
            return [*EventSignUp.PERSONAL_DATA_FIELDS, *self.WITHOUT_PERSONAL_DATA]
        return self.WITHOUT_PERSONAL_DATA

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(PersonalDataAdmin):
    form = EventForm
    list_display = ["title", "consultation", "kind", "starts_at", "signup_open", "places_taken", "notes_published_at"]
    list_filter = ["consultation", "kind", "signup_open"]
    list_select_related = ["consultation"]
    search_fields = ["title", "description"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "starts_at"
    readonly_fields = ["notes_published_at"]
    inlines = [SignUpInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    change_form_template = "admin/guidance/event/change_form.html"
    fieldsets = [
        (None, {"fields": ["consultation", "kind", "title", "slug", "description", "starts_at", "ends_at"]}),
        ("Where, and how to join", {"fields": ["place", "link", "accessibility", "moderation"]}),
        ("Sign-up", {"fields": ["signup_open", "capacity"]}),
        ("After the event", {"fields": ["notes", "notes_published_at"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(n_places=Count("signups", filter=Q(signups__status=EventSignUp.Status.CONFIRMED)))
        )

    def may_see_field(self, request, name):
        # Who signed up to what is personal data as a whole: a list of events filtered by anything of
        # their sign-ups (`?signups__name__startswith=a`, `?signups__access_needs__contains=…`) would
        # tell it by the count.
        if name.split("__")[0] == "signups" and not may_see_personal_data(request.user):
            return False
        return super().may_see_field(request, name)

    @admin.display(description="Places taken", ordering="n_places")
    def places_taken(self, event):
        return f"{event.n_places} of {event.capacity}" if event.capacity is not None else event.n_places
