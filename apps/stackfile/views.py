from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.accounts.models import ApiToken
from apps.lib.htmx import render_page_or_fragment
from apps.lib.yamlio import MAX_BYTES
from apps.stackfile import radar
from apps.stackfile.exporter import export_csv, export_stack, stack_document
from apps.stackfile.importer import import_stack


class StackFileForm(forms.Form):
    file = forms.FileField(required=False, help_text="A stack file (YAML), up to 1 MiB.")
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}))

    def clean(self):
        upload = self.cleaned_data.get("file")
        if upload:
            if upload.size > MAX_BYTES:
                raise forms.ValidationError(f"The file is {upload.size / 1024 / 1024:.1f} MiB; the limit is 1 MiB.")
            content = upload.read()
            try:
                self.cleaned_data["text"] = content.decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError("The file is not UTF-8 text.") from None
        if not self.cleaned_data.get("text", "").strip():
            raise forms.ValidationError("Choose a stack file or paste one.")
        return self.cleaned_data


@permission_required("stack.import_stackfile", raise_exception=True)
def import_page(request):
    """Upload or paste a stack file, see every problem or what would change, then apply."""
    form = StackFileForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        apply = request.POST.get("action") == "apply"
        outcome = import_stack(form.cleaned_data["text"], commit=apply, by=request.user, now=timezone.now())
        if outcome.applied:
            messages.success(request, "The stack file is applied. " + " · ".join(outcome.summary_lines()))
            return redirect("entry-list")
    context = {"form": form, "outcome": outcome}
    return render_page_or_fragment(request, "stackfile/import.html", "stackfile/partials/preview.html", context)


@require_GET
def export_download(request):
    response = HttpResponse(export_stack(), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="stack.yaml"'
    return response


def export_csv_download(request):
    response = HttpResponse(export_csv(now=timezone.now()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="stack-costs.csv"'
    return response


def token_or_login(view):
    """A read for a logged-in person or a script with an API token (a radar's backend, say);
    anyone else gets 401, not the login page."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.is_authenticated:
            scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not secret or ApiToken.authenticate(secret.strip(), timezone.now()) is None:
                response = JsonResponse(
                    {"error": "Log in, or send an API token as 'Authorization: Bearer <token>'."}, status=401
                )
                response["WWW-Authenticate"] = 'Bearer realm="stackledger"'
                return response
        return view(request, *args, **kwargs)

    return require_GET(login_not_required(checked))


@token_or_login
def stack_json(request):
    """The stack as JSON."""
    return JsonResponse(stack_document(), json_dumps_params={"indent": 2, "ensure_ascii": False})


@token_or_login
def radar_json(request):
    """The stack as Backstage's tech radar loads it."""
    return JsonResponse(radar.backstage(site_url=settings.SITE_URL), json_dumps_params={"indent": 2, "ensure_ascii": False})


@token_or_login
def radar_csv(request):
    """The stack as Thoughtworks' build-your-own-radar reads it."""
    response = HttpResponse(radar.thoughtworks(now=timezone.now()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="radar.csv"'
    return response
