from django.contrib import admin

from apps.probes.models import Probe, credential_stays


@admin.register(Probe)
class ProbeAdmin(admin.ModelAdmin):
    list_display = ["entry", "kind", "url", "interval_minutes", "unused_after_days", "has_credential"]
    list_filter = ["kind"]
    list_select_related = ["entry__tool"]
    search_fields = ["entry__tool__name", "url"]
    # Where a probe points and with what credential is set on its page, which never sends a
    # stored credential to another server.
    readonly_fields = ["entry", "kind", "url", "credential_env", "has_credential"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        # The fields above are read-only; should one become editable, the probe page's rule
        # still holds: a credential never follows the probe to another server.
        stored = Probe.objects.get(pk=obj.pk)
        if obj.has_credential and not credential_stays(kind_before=stored.kind, url_before=stored.url,
                                                       kind=obj.kind, url=obj.url):
            obj.set_credential("")
            obj.credential_env = ""
        super().save_model(request, obj, form, change)

    @admin.display(boolean=True, description="credential")
    def has_credential(self, probe):
        return probe.has_credential
