"""Staff members' pages: adding one (name, email address, role), sending them the link to set their
password again, removing their access; and, for the new member themselves, setting their password
(guidance/staff/members.py does the work). A staff member's own page, where their role is changed,
is the user admin's (guidance/staff/admin/staff_members.py).

Who may: staff with the permissions of roles.MANAGE_STAFF (consultation managers) and superusers.
Nobody but a superuser may touch a superuser's account, and nobody removes their own access.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.views import PasswordResetConfirmView
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from guidance.staff import members, roles
from guidance.staff.member_forms import StaffMemberForm
from guidance.staff.site import staff_page

User = get_user_model()


def staff_member_to_manage(request, user_id):
    """The staff member `user_id`, if the person asking may change their account."""
    user = get_object_or_404(User, pk=user_id)
    if user.is_superuser and not request.user.is_superuser:
        raise PermissionDenied
    return user


@permission_required(roles.MANAGE_STAFF, raise_exception=True)
def add(request):
    form = StaffMemberForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = members.add_staff_member(**form.cleaned_data)
        except members.AlreadyAStaffMember:
            # Someone added them in the moment since the form was checked.
            form.add_error("email", "Someone has an account with this email address already.")
        else:
            messages.success(
                request,
                f"{members.display_name(user)} is added as {form.cleaned_data['role']}. An email with a link to "
                f"set their password is on its way to {user.email}; they sign in with that address.",
            )
            return redirect("admin:auth_user_changelist")
    return staff_page(
        request,
        "admin/auth/user/add_staff_member.html",
        {"title": "Add a staff member", "opts": User._meta, "form": form},
        status=400 if form.is_bound else 200,
    )


@require_POST
@permission_required(roles.MANAGE_STAFF, raise_exception=True)
def send_password_email(request, user_id):
    user = staff_member_to_manage(request, user_id)
    if not (user.is_active and user.is_staff):
        messages.error(request, f"{members.display_name(user)} has no access: give them a role first.")
    else:
        members.send_set_password_email(user)
        messages.success(request, f"An email with a link to set a password is on its way to {user.email}.")
    return redirect("admin:auth_user_change", user.pk)


@permission_required(roles.MANAGE_STAFF, raise_exception=True)
def remove_access(request, user_id):
    """A page asking to confirm, then (POST) the access removed."""
    user = staff_member_to_manage(request, user_id)
    if user == request.user:
        messages.error(request, "You cannot remove your own access: ask another consultation manager.")
        return redirect("admin:auth_user_change", user.pk)
    if request.method == "POST":
        members.remove_access(user)
        messages.success(
            request,
            f"{members.display_name(user)} can no longer sign in. What they did stays under their name; "
            "to give them access again, choose a role on their page.",
        )
        return redirect("admin:auth_user_changelist")
    return staff_page(
        request,
        "admin/auth/user/remove_access.html",
        {
            "title": f"Remove {members.display_name(user)}’s access",
            "opts": User._meta,
            "member": user,
            "role": members.role_of(user),
        },
    )


class SetPasswordView(PasswordResetConfirmView):
    """Django's page for a password-reset link, in the admin's look: the link works once (the token
    is moved into the session and out of the address at the first visit), then the person chooses a
    password, under the password rules, and signs in with it."""

    template_name = "admin/set_password.html"
    success_url = reverse_lazy("admin:staff_password_set")
    post_reset_login = False
    title = "Set your password"

    def get_context_data(self, **kwargs):
        from django.contrib import admin

        context = {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}
        if not context["validlink"]:
            context["title"] = "This link no longer works"
        return context

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        # A link sent before someone's access was removed sets nothing.
        return user if user is not None and user.is_active and user.is_staff else None


set_password = SetPasswordView.as_view()


def password_set(request):
    return staff_page(request, "admin/password_set.html", {"title": "Your password is set"})
