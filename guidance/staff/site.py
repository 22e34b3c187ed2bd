"""The admin site: named after the portal, with the staff pages (urls.py) mounted under it.

Every list in it, the portal's own and those of the apps it uses (sign-in records, accounts),
refuses a filter in its address that cannot be run, or an item ticked for an action that is not
one of its own, with a 400 page saying why (CheckedFilters), instead of failing with a 500 or
sending staff back to the whole list as if nothing was asked.
"""

import datetime
import re

from django.conf import settings
from django.contrib import admin, auth
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import DataError, models, transaction
from django.db.models.constants import LOOKUP_SEP
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.dateparse import parse_date, parse_datetime

from guidance.responses.text import whole_number

# Lookups whose values are the field's own kind of value, one or (in, range) several.
COMPARISONS = {"exact", "gt", "gte", "lt", "lte", "in", "range"}
# Parts of a date that a lookup can take out of it (created_at__year=2025), each a whole number.
DATE_PARTS = {"year", "iso_year", "quarter", "month", "week", "week_day", "iso_week_day", "day", "hour", "minute"}
# A year the lists can show: a date with a year outside these, moved by a time zone's offset or by
# the date hierarchy's step to the next year, is beyond what Python's dates hold.
YEARS = range(datetime.MINYEAR + 1, datetime.MAXYEAR)
INTEGER = re.compile(r"-?[0-9]{1,18}")
# What staff work with on the admin's home page; every other app's lists are under "System".
STAFF_WORK_APPS = {"guidance"}
STAFF_MEMBER_MODEL = {("auth", "user")}


def lookup_field(model, lookup):
    """The field a filter in a list's address ends on, and the lookups after it:
    "created_at__year__gte" on Comment gives (Comment.created_at, ["year", "gte"]) and
    "consultation__id__exact" (Consultation.id, ["exact"]). A relation with nothing after it
    stands for the primary key of what it points to. None if the filter names no field."""
    field, opts, parts = None, model._meta, lookup.split(LOOKUP_SEP)
    for index, part in enumerate(parts):
        try:
            field = opts.get_field(part)
        except FieldDoesNotExist:
            break
        if not field.is_relation or field.related_model is None:
            return field, parts[index + 1 :]
        opts = field.related_model._meta
    else:
        index = len(parts)
    if field is None:
        return None
    return (opts.pk, parts[index:]) if field.is_relation else (field, parts[index:])


def value_problem(field, lookups, value):
    """What is wrong with one value of a filter on a number or a date, or None."""
    lookups = [lookup for lookup in lookups if lookup != "exact"] or ["exact"]
    is_date_field = isinstance(field, models.DateField)  # date-times too
    if is_date_field and lookups[0] in DATE_PARTS:
        number = whole_number(value)
        if number is None:
            return f"“{value}” is not a number: write it with the digits 0 to 9."
        if lookups[0] in ("year", "iso_year") and number not in YEARS:
            return f"{number} is not a year this list can show."
        return None
    if is_date_field and lookups[0] == "date":
        lookups = lookups[1:] or ["exact"]
    if lookups[0] not in COMPARISONS:
        return None  # isnull, contains, regex and the like: not a number or a date
    for one in value.split(",") if lookups[0] in ("in", "range") else [value]:
        if is_date_field and not is_date(one):
            return f"“{one}” is not a date this list can use: write it as 2025-03-31."
        if isinstance(field, models.IntegerField) and not INTEGER.fullmatch(one):
            return f"“{one}” is not a number: write it with the digits 0 to 9."
    return None


def is_date(value):
    """A date, or a date and time, written as ISO 8601 in ASCII, in a year the lists can show."""
    try:
        parsed = value.isascii() and (parse_datetime(value) or parse_date(value))
    except ValueError:
        return False
    return bool(parsed) and parsed.year in YEARS


def date_hierarchy_problem(model_admin, request):
    """The date hierarchy's year, month and day in the address must make a real date."""
    field = model_admin.date_hierarchy
    if not field or f"{field}__year" not in request.GET:
        return None
    parts = [request.GET.get(f"{field}__{part}", "1") for part in ("year", "month", "day")]
    numbers = [whole_number(part) for part in parts]
    try:
        if None in numbers or numbers[0] not in YEARS:
            raise ValueError
        datetime.date(*numbers)
    except ValueError:
        return f"{'-'.join(parts)} is not a date this list can show."
    return None


class UnusableFilter(Exception):
    """A filter in a list's address that Django could not use."""


class CheckedFilters:
    """A ModelAdmin whose list refuses, with a 400 page saying why, a filter or search in its
    address that cannot be run (a NUL character, a regular expression that does not compile, a
    number not written in the digits 0 to 9, a date that is not one or lies beyond the years
    Python and the database hold, any other Django cannot use), or an item ticked for an action
    that is not one of the list's. PortalAdminSite.register gives it to every list."""

    def changelist_view(self, request, extra_context=None):
        # Staff who may not open the list at all get Django's 403 first.
        allowed = self.has_view_or_change_permission(request)
        if allowed and (problem := self.selection_problem(request)):
            return self.refuse_filter(request, problem, "These cannot be selected", "Nothing was changed.")
        problem = allowed and self.filter_problem(request)
        if problem:
            return self.refuse_filter(request, problem)
        try:
            # In a savepoint, so that a refused query leaves the connection usable inside a transaction.
            with transaction.atomic():
                return super().changelist_view(request, extra_context)
        except DataError:
            # PostgreSQL reads regular expressions a little differently from Python's re module.
            return self.refuse_filter(request, "The database could not use a value in the address.")
        except UnusableFilter:
            return self.refuse_filter(request, "A filter in the address cannot be used on this list.")

    def get_changelist_instance(self, request):
        # Django answers any other filter it cannot use (a field the list does not have, "maybe"
        # for yes or no) by sending staff to the whole list, as if they had asked for nothing.
        try:
            return super().get_changelist_instance(request)
        except IncorrectLookupParameters as error:
            raise UnusableFilter from error

    def filter_problem(self, request):
        """What is wrong with the list's filters and search in the address, or None."""
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return "The address contains a NUL character, which no filter or search can use."
            if key.endswith(("__regex", "__iregex")):
                for value in values:
                    try:
                        re.compile(value)
                    except re.error as error:
                        return f"“{value}” is not a regular expression that can be used: {error}."
            found = lookup_field(self.model, key)
            for value in values if found else []:
                problem = value_problem(*found, value)
                if problem:
                    return problem
        return date_hierarchy_problem(self, request)

    def selection_problem(self, request):
        """What is wrong with the items ticked for an action, or None: Django reads each as an id of
        the list's model, and fails (a 500) on one that is not."""
        pk = self.opts.pk
        for value in request.POST.getlist(ACTION_CHECKBOX_NAME) if request.method == "POST" else []:
            try:
                usable = pk.to_python(value) is not None
            except ValidationError:
                usable = False
            if not usable or (isinstance(pk, models.IntegerField) and whole_number(value) is None):
                return f"“{value}” is not one of the {self.opts.verbose_name_plural} of this list."
        return None

    def refuse_filter(
        self, request, problem, title="This list cannot be filtered that way", done="Nothing was searched."
    ):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "done": done,
            "opts": self.opts,
            "problem": problem,
            "list_url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"),
        }
        return TemplateResponse(request, "admin/guidance/refused_filter.html", context, status=400)


class PortalAdminSite(admin.AdminSite):
    index_title = "Staff workspace"

    @property
    def site_header(self):
        return f"{settings.SITE_NAME}: staff"

    @property
    def site_title(self):
        return f"{settings.SITE_NAME} staff"

    def has_permission(self, request):
        """Staff, and, when a second factor is required, signed in with it. A session signed in
        before STAFF_TWO_FACTOR was turned on has not been: it is sent to sign in again."""
        if settings.STAFF_TWO_FACTOR and not getattr(request.user, "is_verified", lambda: False)():
            return False
        return super().has_permission(request)

    def login(self, request, extra_context=None):
        """AdminSite.login, through the portal's sign-in form and view (guidance/staff/signin.py),
        which asks for the authenticator app's code after the password when it is required."""
        # Imported here: this module is imported while the apps load, before forms can import models.
        from guidance.staff.forms import StaffSignInForm
        from guidance.staff.signin import StaffLoginView

        if request.method == "GET" and self.has_permission(request):
            return redirect("admin:index")
        if settings.STAFF_TWO_FACTOR and request.user.is_authenticated and not request.user.is_verified():
            # Signed in before the second factor was required: that session is no use to the admin.
            auth.logout(request)
        context = {
            **self.each_context(request),
            "title": "Sign in",
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)
        context.update(extra_context or {})
        request.current_app = self.name
        view = StaffLoginView.as_view(
            extra_context=context, authentication_form=StaffSignInForm, template_name="admin/sign_in.html"
        )
        return view(request)

    def register(self, model_or_iterable, admin_class=None, **options):
        # Other apps' ModelAdmins (axes' sign-in records, auth's users) get the same checks.
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, CheckedFilters):
            admin_class = type(admin_class.__name__, (CheckedFilters, admin_class), {})
        super().register(model_or_iterable, admin_class, **options)

    def get_app_list(self, request, app_label=None):
        """The lists on the home page and in the side bar: the portal's own, then the staff members;
        everything else (sign-in records, authenticator apps, groups, any app added later) is not
        staff work, and is grouped under "System", shown to superusers only."""
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps
        work, system = [], []
        for app in apps:
            models = []
            for model in app["models"]:
                key = (app["app_label"], model["object_name"].lower())
                if key in STAFF_MEMBER_MODEL:
                    models.append({**model, "name": "Staff members"})
                elif app["app_label"] in STAFF_WORK_APPS:
                    models.append(model)
                else:
                    system.append(model)
            if models:
                work.append({**app, "models": models, "name": "Staff" if app["app_label"] == "auth" else app["name"]})
        work.sort(key=lambda app: app["app_label"] != "guidance")
        if system and request.user.is_superuser:
            work.append(
                {
                    "name": "System",
                    "app_label": "system",
                    "app_url": reverse("admin:system", current_app=self.name),
                    "has_module_perms": True,
                    "models": system,
                }
            )
        return work

    def system_index(self, request):
        """The "System" group on a page of its own, as each app's is, for superusers."""
        if not request.user.is_superuser:
            raise PermissionDenied
        context = {
            **self.each_context(request),
            "title": "System",
            "subtitle": None,
            "app_list": [app for app in self.get_app_list(request) if app["app_label"] == "system"],
            "app_label": "system",
        }
        request.current_app = self.name
        return TemplateResponse(request, "admin/app_index.html", context)

    def get_urls(self):
        from guidance.staff import signin, team
        from guidance.staff.urls import staff_urls

        # Before the ModelAdmins' own addresses: theirs end in a catch-all for an object's id.
        # The code page and the set-password pages are not behind the admin's sign-in: whoever
        # sees them is not signed in yet.
        return [
            path("login/code/", signin.code, name="sign_in_code"),
            path("password/set/<uidb64>/<token>/", team.set_password, name="staff_set_password"),
            path("password/set/done/", team.password_set, name="staff_password_set"),
            path("system/", self.admin_view(self.system_index), name="system"),
            *staff_urls(self),
            *super().get_urls(),
        ]


def staff_page(request, template, context, status=200):
    """A staff page in the admin's look, with the admin's own context (its name, navigation and the
    signed-in user's links) beside the page's."""
    return TemplateResponse(request, template, {**admin.site.each_context(request), **context}, status=status)
