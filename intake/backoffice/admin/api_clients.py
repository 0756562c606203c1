"""The FHIR API's clients (issue 21; docs/integration.md): created, listed and revoked by
clinic admins. A new client's token is shown once, on the page after "Save", and never again:
only its hash is kept. Clients are never deleted (the audit log names them); they are revoked,
or they expire.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intake.backoffice.admin.base import apply_each
from intake.backoffice.permissions import staff_member
from intake.handover import services
from intake.handover.fhir import systems
from intake.handover.models import ApiClient
from intake.http import client_address

# Where save_model leaves the new token for response_add (on the request: never on the
# shared admin instance, never in the session or a message cookie).
_TOKEN_ATTRIBUTE = "_new_api_token"  # noqa: S105 - an attribute name, not a secret


class ApiClientForm(forms.ModelForm[ApiClient]):
    class Meta:
        model = ApiClient
        fields = ("name", "scope", "expires_at")

    def clean_expires_at(self) -> dt.datetime:
        expires: dt.datetime = self.cleaned_data["expires_at"]
        if expires <= timezone.now():
            raise forms.ValidationError(_("Choose a time in the future."))
        return expires


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin[ApiClient]):
    form = ApiClientForm
    list_display = (
        "name",
        "token_start",
        "scope",
        "state",
        "expires_at",
        "created_by",
        "created_at",
    )
    list_filter = ("scope",)
    search_fields = ("name", "token_prefix")
    list_select_related = ("created_by",)
    actions = ["revoke"]
    shown: tuple[str, ...] = ("name", "token_start", "scope", "state", "expires_at")
    shown += ("created_by", "created_at", "revoked_at", "revoked_by")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("name", "scope", "expires_at") if obj is None else self.shown

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.shown

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        # Nothing on the page can be edited: revoking is the list's action.
        context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False}
        return super().change_view(request, object_id, form_url, context)

    @admin.display(description=gettext_lazy("token"))
    def token_start(self, obj: ApiClient) -> str:
        return f"{obj.token_prefix}…"

    @admin.display(description=gettext_lazy("state"))
    def state(self, obj: ApiClient) -> str:
        return {"active": _("Active"), "revoked": _("Revoked"), "expired": _("Expired")}[
            obj.state()
        ]

    def save_model(self, request: HttpRequest, obj: ApiClient, form: Any, change: bool) -> None:
        if change:
            return  # nothing is editable
        client, token = services.apiclient_create(
            name=obj.name,
            scope=obj.scope,
            expires_at=obj.expires_at,
            actor=staff_member(request),
            ip_address=client_address(request) or None,
        )
        obj.pk, obj.token_prefix, obj.created_at = client.pk, client.token_prefix, client.created_at
        obj._state.adding = False
        setattr(request, _TOKEN_ATTRIBUTE, token)

    def response_add(
        self, request: HttpRequest, obj: ApiClient, post_url_continue: str | None = None
    ) -> HttpResponse:
        """The token, once: this page is the only place it is ever shown."""
        token = getattr(request, _TOKEN_ATTRIBUTE, None)
        if token is None:
            return super().response_add(request, obj, post_url_continue)
        response = TemplateResponse(
            request,
            "admin/handover/apiclient/token.html",
            {
                **self.admin_site.each_context(request),
                "title": _("The token of %(name)s") % {"name": obj.name},
                "opts": self.opts,
                "client": obj,
                "token": token,
                "api_base": systems.api_base(),
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(permissions=["change"], description=gettext_lazy("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        apply_each(
            self,
            request,
            queryset,
            lambda client: services.apiclient_revoke(
                client=client,
                actor=staff_member(request),
                ip_address=client_address(request) or None,
            ),
            done=_("%(n)d token(s) revoked: they stop working at once."),
            refused=_("%(n)d were revoked already."),
        )
