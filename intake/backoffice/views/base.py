"""What the workflow views share: the admin's look, and the shape of a button that acts."""

from __future__ import annotations

from typing import Any, Generic, TypedDict, TypeVar

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import Promise
from django.views import View

from intake.backoffice.permissions import staff_member
from intake.http import client_address
from intake.models import Submission

Target = TypeVar("Target")


class Staff(TypedDict):
    """Who acts and from where: the keyword arguments every staff service takes."""

    actor: User
    ip_address: str | None


def by_staff(request: HttpRequest) -> Staff:
    """The signed-in staff member and their address, for a service call (`**by_staff(request)`)."""
    return {"actor": staff_member(request), "ip_address": client_address(request)}


def admin_page(request: HttpRequest, template: str, context: dict[str, Any]) -> TemplateResponse:
    """A staff page with the admin's look: its header, navigation and messages (the login is
    checked by the site's `admin_view`, which wraps every workflow URL)."""
    return TemplateResponse(request, template, {**admin.site.each_context(request), **context})


def case_url(submission: Submission) -> str:
    """The submission page (staff emails link to it too: its URL never changes)."""
    return reverse("admin:intake_submission_change", args=[submission.pk])


class StaffAction(View, Generic[Target]):
    """One button on a staff page: POST only (405 otherwise); check the permission (403);
    read the form; call one service; say what happened and go back to the page.

    A refused action (the form not valid, or the service's ValidationError) says why, as a
    message; `refused` may instead show the form again as typed.
    """

    http_method_names = ["post"]
    form_class: type[forms.Form] | None = None
    invalid: str | Promise = ""  # the message when the form is not valid
    done: str | Promise = ""  # the message when it is done

    def permitted(self, request: HttpRequest) -> bool:
        raise NotImplementedError

    def target(self, **kwargs: Any) -> Target:
        """The object acted on, from the URL (404 if there is none)."""
        raise NotImplementedError

    def act(self, target: Target, data: dict[str, Any], by: Staff) -> str | None:
        """Call the service; `data` is the form's cleaned data ({} without a form). May return
        the message that says what changed (else `done` is shown)."""
        raise NotImplementedError

    def next_url(self, target: Target) -> str:
        raise NotImplementedError

    def refused(self, target: Target, form: forms.Form) -> HttpResponse | None:
        """The page to show when a form's action is refused; None: back to `next_url`."""
        return None

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if not self.permitted(request):
            raise PermissionDenied
        target = self.target(**kwargs)
        form = self.form_class(request.POST) if self.form_class else None
        try:
            if form is not None and not form.is_valid():
                raise ValidationError(str(self.invalid))
            said = self.act(
                target, form.cleaned_data if form is not None else {}, by_staff(request)
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            shown = self.refused(target, form) if form is not None else None
            if shown is not None:
                return shown
        else:
            messages.success(request, said or str(self.done))
        return HttpResponseRedirect(self.next_url(target))
