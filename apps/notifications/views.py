"""A team's notification channels, on the team's page: add one, send it a test, remove it."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.accounts.models import Team
from apps.lib import crypto
from apps.lib.htmx import wants_fragment
from apps.notifications import channels as apprise_channels
from apps.notifications.models import Channel
from apps.notifications.services import add_channel, send_test


class ChannelForm(forms.Form):
    url = forms.CharField(
        label="Apprise URL", max_length=2000, strip=True,
        widget=forms.TextInput(attrs={"placeholder": "slack://…, msteams://…, json://host:port/path",
                                      "autocomplete": "off", "spellcheck": "false"}),
    )


def channels_context(team: Team, form=None) -> dict:
    return {"team": team, "channels": list(team.channels.all()), "channel_form": form or ChannelForm()}


def _answer(request, team: Team, form=None, *, done: str = ""):
    """The channels section and what happened, for htmx; else back to the team's page."""
    if done:
        messages.success(request, done)
    if wants_fragment(request):
        return render(request, "notifications/partials/channels_swap.html", channels_context(team, form))
    if form is not None and form.errors:
        messages.error(request, " ".join(form.errors["url"]))
    return redirect("team-detail", team.pk)


@require_POST
@permission_required("notifications.add_channel", raise_exception=True)
def channel_add(request, pk):
    team = get_object_or_404(Team, pk=pk)
    form = ChannelForm(request.POST)
    if form.is_valid():
        try:
            channel = add_channel(team, form.cleaned_data["url"], now=timezone.now())
        except apprise_channels.BadChannel as error:
            form.add_error("url", str(error))
        else:
            return _answer(request, team, done=f"{team}'s alerts now go to {channel.label} too.")
    return _answer(request, team, form)


@require_POST
@permission_required("notifications.add_channel", raise_exception=True)
def channel_test(request, pk):
    channel = get_object_or_404(Channel.objects.select_related("team"), pk=pk)
    try:
        send_test(channel, by=request.user)
    except (apprise_channels.NotDelivered, apprise_channels.Unfinished, crypto.WrongKey) as error:
        outcome, ok = f"Not delivered: {error}", False
    else:
        outcome, ok = "Sent: check the channel.", True
    if wants_fragment(request):
        return render(request, "notifications/partials/test_outcome.html", {"outcome": outcome, "ok": ok})
    (messages.success if ok else messages.error)(request, f"{channel.label}: {outcome}")
    return redirect("team-detail", channel.team_id)


@permission_required("notifications.delete_channel", raise_exception=True)
def channel_remove(request, pk):
    channel = get_object_or_404(Channel.objects.select_related("team"), pk=pk)
    if request.method == "POST":
        channel.delete()
        messages.success(request, f"{channel.label} no longer gets {channel.team}'s alerts.")
        return redirect("team-detail", channel.team_id)
    return render(request, "notifications/channel_remove.html", {"channel": channel})
