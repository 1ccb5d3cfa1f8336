from django.contrib import admin

from apps.probes.models import Probe


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

    @admin.display(boolean=True, description="credential")
    def has_credential(self, probe):
        return probe.has_credential
