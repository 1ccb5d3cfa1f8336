from datetime import UTC, datetime, time

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from apps.accounts.models import ApiToken
from apps.lib.forms import DateInput


class ApiTokenForm(forms.ModelForm):
    """A token's name, what it may do, and the day it stops working (none: until revoked)."""

    expires_on = forms.DateField(
        required=False, widget=DateInput(), label="Expires on",
        help_text="It stops working at 00:00 UTC that day. Empty: until it is revoked.",
    )

    class Meta:
        model = ApiToken
        fields = ["name", "scope"]
        widgets = {"scope": forms.RadioSelect}

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["scope"].required = False  # not chosen: read, the least a token may do

    def clean_scope(self):
        return self.cleaned_data["scope"] or ApiToken.Scope.READ

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day is not None and day <= self.today:
            raise forms.ValidationError("Choose a day after today: a token that has expired already is no use.")
        return day

    @property
    def expires_at(self):
        day = self.cleaned_data.get("expires_on")
        return datetime.combine(day, time.min, tzinfo=UTC) if day else None


@never_cache
@permission_required("accounts.add_apitoken", raise_exception=True)
def token_list(request):
    """API tokens for scripts and dashboards: the REST API and /api/stack.json."""
    now = timezone.now()
    form = ApiTokenForm(request.POST or None, today=now.date())
    secret = None
    if request.method == "POST" and form.is_valid():
        token, secret = ApiToken.issue(name=form.cleaned_data["name"], scope=form.cleaned_data["scope"],
                                       expires_at=form.expires_at, by=request.user)
        messages.success(request, f"Token “{token.name}” created. Copy it now: it is not shown again.")
        form = ApiTokenForm(today=now.date())
    tokens = ApiToken.objects.select_related("created_by")
    return render(request, "accounts/token_list.html", {"form": form, "tokens": tokens, "secret": secret, "now": now})


@permission_required("accounts.change_apitoken", raise_exception=True)
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, revoked_at__isnull=True)
    if request.method == "POST":
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        messages.success(request, f"Token “{token.name}” is revoked.")
        return redirect("token-list")
    return render(request, "accounts/token_revoke.html", {"token": token})
