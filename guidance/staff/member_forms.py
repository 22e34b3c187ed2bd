"""The forms of the staff members' pages (guidance/staff/team.py and the user admin,
guidance/staff/admin/staff_members.py). They only validate; guidance/staff/members.py acts."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Q

from guidance.responses.text import check_email_address, check_name, tidy
from guidance.staff.roles import DESCRIPTIONS, ROLES


class RoleRadios(forms.RadioSelect):
    """One radio button a role, each with the line saying what the role may do beside it."""

    template_name = "admin/widgets/role_radios.html"

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["description"] = DESCRIPTIONS.get(value, "")
        return option


def role_field(required=True):
    return forms.ChoiceField(
        label="Role",
        choices=[(name, name) for name in ROLES],
        widget=RoleRadios,
        required=required,
        error_messages={"required": "Choose what they will do: their role."},
    )


def name_field(label, required=True):
    return forms.CharField(
        label=label,
        max_length=150,
        required=required,
        validators=[check_name],
        error_messages={"required": f"Enter their {label.lower()}."},
    )


class StaffMemberForm(forms.Form):
    """Adding a staff member: who they are, and their role. No password: they set their own."""

    first_name = name_field("First name")
    last_name = name_field("Last name", required=False)
    email = forms.EmailField(
        label="Email address",
        max_length=150,
        help_text="Their work address. They sign in with it, and the link to set their password goes to it.",
        validators=[check_email_address],
        error_messages={
            "required": "Enter their email address.",
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "Enter an email address of 150 characters or fewer.",
        },
    )
    role = role_field()

    def clean_first_name(self):
        first_name = tidy(self.cleaned_data["first_name"])
        if not first_name:
            raise forms.ValidationError("Enter their first name.")
        return first_name

    def clean_last_name(self):
        return tidy(self.cleaned_data["last_name"])

    def clean_email(self):
        email = self.cleaned_data["email"]
        if get_user_model().objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists():
            raise forms.ValidationError(
                "Someone has an account with this email address already. Find them in the list of staff "
                "members to change their role."
            )
        return email


class StaffMemberChangeForm(forms.ModelForm):
    """A staff member's page in the admin: their name, address and role; for a superuser, also the
    raw permissions (the groups that are not roles, single permissions, superuser status)."""

    first_name = name_field("First name")
    last_name = name_field("Last name", required=False)
    role = role_field()

    class Meta:
        model = get_user_model()
        fields = ["first_name", "last_name", "email", "is_superuser", "groups", "user_permissions"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from guidance.staff.members import role_of

        if self.instance.pk:
            self.initial["role"] = role_of(self.instance)
        if self.instance.is_superuser:
            self.fields["role"].required = False
            self.fields["role"].help_text = "A superuser needs no role: they may do everything."
        elif self.instance.pk and not self.instance.is_active:
            self.fields["role"].required = False
            self.fields[
                "role"
            ].help_text = (
                "Their access was removed. Choose a role to give it back: they are sent a link to set a new password."
            )
        if "groups" in self.fields:
            # The roles are chosen above; here only any other group.
            self.fields["groups"].queryset = Group.objects.exclude(name__in=list(ROLES))
            self.fields["groups"].label = "Other groups"
            self.fields["groups"].help_text = "Groups that are not one of the roles above. Rarely needed."
        if "email" in self.fields:
            # Where the links to set a password go: a staff member needs one.
            self.fields["email"].required = True
            self.fields["email"].validators.append(check_email_address)

    def clean_email(self):
        email = self.cleaned_data.get("email", "")
        others = get_user_model().objects.exclude(pk=self.instance.pk)
        if email and others.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists():
            raise forms.ValidationError("Someone else has an account with this email address.")
        return email

    def clean_role(self):
        return self.cleaned_data["role"] or None
