from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from apps.accounts.models import ApiToken


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name"]


@never_cache
@permission_required("accounts.add_apitoken", raise_exception=True)
def token_list(request):
    """API tokens for scripts and dashboards that read /api/stack.json."""
    form = ApiTokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        token, secret = ApiToken.issue(name=form.cleaned_data["name"], by=request.user)
        messages.success(request, f"Token “{token.name}” created. Copy it now: it is not shown again.")
        form = ApiTokenForm()
    tokens = ApiToken.objects.select_related("created_by")
    return render(request, "accounts/token_list.html", {"form": form, "tokens": tokens, "secret": secret})


@permission_required("accounts.change_apitoken", raise_exception=True)
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, revoked_at__isnull=True)
    if request.method == "POST":
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        messages.success(request, f"Token “{token.name}” is revoked.")
        return redirect("token-list")
    return render(request, "accounts/token_revoke.html", {"token": token})
