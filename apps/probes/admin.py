from django.contrib import admin

from apps.probes.models import Probe


@admin.register(Probe)
class ProbeAdmin(admin.ModelAdmin):
    list_display = ["entry", "kind", "url", "interval_minutes", "unused_after_days", "has_credential"]
    list_filter = ["kind"]
    list_select_related = ["entry__tool"]
    search_fields = ["entry__tool__name", "url"]
    readonly_fields = ["credential_env"]

    @admin.display(boolean=True, description="credential")
    def has_credential(self, probe):
        return probe.has_credential
