import json

from django import forms

from apps.probes.drivers.prometheus import PRESETS
from apps.probes.models import Kind, Probe, credential_stays


class ParamsField(forms.JSONField):
    """A probe's parameters: a mapping, where empty means {} (not "changed" from {})."""

    def has_changed(self, initial, data):
        def normal(value):
            return json.dumps(value or {}, sort_keys=True)

        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                return True
        return normal(initial) != normal(data)

    def clean(self, value):
        return super().clean(value) or {}


class ProbeForm(forms.ModelForm):
    """Every stored field of a probe but the credential: the stack file imports through it."""

    params = ParamsField(required=False)

    class Meta:
        model = Probe
        fields = ["kind", "url", "params", "interval_minutes", "unused_after_days", "demo"]

    def clean(self):
        data = super().clean()
        params = data.get("params")
        missing = missing_params(data.get("kind"), params) if isinstance(params, dict) else []
        if missing:
            self.add_error("params", needs(data["kind"], missing))
        return data


# The settings each kind of probe takes, as (name, label, help text).
KIND_PARAMS = {
    Kind.MLFLOW: [("experiment_ids", "Experiment ids", "Comma-separated; empty reads every active experiment.")],
    Kind.AIRFLOW: [("username", "User name", "The account the credential is the password of.")],
    Kind.PROMETHEUS: [
        ("preset", "Preset", f"One of {', '.join(PRESETS)}; or write a query."),
        ("query", "Query", "A PromQL expression of a request counter, e.g. sum(http_requests_total)."),
    ],
    Kind.HTTP_JSON: [
        ("timestamp_path", "Timestamp path", "Where the last activity time is, e.g. data.last_run.at"),
        ("count_path", "Count path", "Where the count of recent activity is, e.g. data.total"),
    ],
    Kind.GITHUB_ACTIONS: [
        ("repository", "Repository", "owner/name"),
        ("workflow", "Workflow", "A workflow file name or id; empty reads every workflow."),
    ],
    Kind.WANDB: [("entity", "Entity", "The team or user."), ("project", "Project", "")],
}
# The settings without which a kind of probe reads nothing: groups of names, one of each group.
REQUIRED_PARAMS = {
    Kind.PROMETHEUS: [("query", "preset")],
    Kind.HTTP_JSON: [("timestamp_path", "count_path")],
    Kind.GITHUB_ACTIONS: [("repository",)],
    Kind.WANDB: [("entity",), ("project",)],
}


def missing_params(kind, params: dict) -> list[tuple[str, ...]]:
    """The groups of settings `kind` needs that `params` has none of."""
    return [group for group in REQUIRED_PARAMS.get(kind, [])
            if not any(str(params.get(name) or "").strip() for name in group)]


def needs(kind, missing: list[tuple[str, ...]]) -> str:
    """What a probe of `kind` lacking those settings is told."""
    names = " and ".join(" or ".join(group) for group in missing)
    verb, pronoun = ("is", "it") if len(missing) == 1 else ("are", "them")
    return f"{names} {verb} missing: a {Kind(kind).label} probe reads nothing without {pronoun}."


class ProbeSettingsForm(forms.ModelForm):
    """The probe form of the entry page: the kind decides which settings it asks for. The
    credential is write-only: it is never shown, and left empty it stays as it is."""

    credential = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted and never shown again; leave empty to keep the current one.",
    )

    class Meta:
        model = Probe
        fields = ["kind", "url", "interval_minutes", "unused_after_days", "failures_before_unknown", "enabled"]
        labels = {"url": "URL"}

    def __init__(self, *args, kind=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind if kind in Kind.values else self.data.get("kind") or self.instance.kind or Kind.MLFLOW
        if not self.is_bound:
            self.initial["kind"] = self.kind  # the select shows the kind whose settings follow
        for name, label, help_text in KIND_PARAMS.get(self.kind, []):
            initial = self.instance.params.get(name, "") if self.instance.kind == self.kind else ""
            if isinstance(initial, list):
                initial = ", ".join(map(str, initial))
            self.fields[f"param_{name}"] = forms.CharField(label=label, help_text=help_text, required=False, initial=initial)
        # Changing the kind fetches that kind's settings and swaps only them: what was typed in
        # the other fields stays as it is, and the GET carries the kind alone.
        self.fields["kind"].widget.attrs.update({
            "hx-get": "", "hx-target": "#probe-params", "hx-select": "#probe-params", "hx-swap": "outerHTML",
        })

    def param_fields(self):
        return [self[name] for name in self.fields if name.startswith("param_")]

    def clean(self):
        data = super().clean()
        old = self.instance  # as stored: the form's values reach it only after clean()
        moved = not credential_stays(kind_before=old.kind, url_before=old.url, kind=self.kind, url=data.get("url", ""))
        if old.pk and old.has_credential and not data.get("credential") and moved:
            self.add_error("credential", "The probe now reads another server: enter the credential again. "
                                         "A stored credential is never sent to a new server.")
        if self.kind == Kind.PROMETHEUS:
            preset, query = data.get("param_preset"), data.get("param_query")
            if preset and preset not in PRESETS:
                self.add_error("param_preset", f"Choose one of {', '.join(PRESETS)}.")
            if not preset and not query:
                self.add_error("param_query", "Write a query, or choose a preset.")
        given = {name.removeprefix("param_"): value for name, value in data.items() if name.startswith("param_")}
        for group in missing_params(self.kind, given):
            if not self.has_error(f"param_{group[0]}"):
                self.add_error(f"param_{group[0]}", needs(self.kind, [group]))
        return data

    def save(self, commit=True):
        probe = super().save(commit=False)
        params = {}
        for name, _, _ in KIND_PARAMS.get(self.kind, []):
            value = self.cleaned_data.get(f"param_{name}", "").strip()
            if value:
                params[name] = [v.strip() for v in value.split(",") if v.strip()] if name == "experiment_ids" else value
        if probe.demo and self.retargets(params):
            probe.demo = False
        probe.params = params
        if self.cleaned_data.get("credential"):
            probe.set_credential(self.cleaned_data["credential"])
            probe.credential_env = ""
        if commit:
            probe.save()
        return probe

    def retargets(self, params: dict) -> bool:
        """Whether the form changes what the probe reads (its kind, URL, settings or
        credential): a demo probe changed so is pointed at a real server, and is one."""
        moved = bool({"kind", "url"} & set(self.changed_data))
        return moved or params != self.instance.params or bool(self.cleaned_data.get("credential"))
