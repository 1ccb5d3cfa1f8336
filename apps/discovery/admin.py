from django.contrib import admin

from apps.discovery.forms import DiscoverySourceForm
from apps.discovery.models import DiscoveredTool, DiscoverySource


@admin.register(DiscoverySource)
class DiscoverySourceAdmin(admin.ModelAdmin):
    form = DiscoverySourceForm
    list_display = ["name", "kind", "location", "enabled", "last_run_at", "last_error"]
    list_filter = ["kind", "enabled"]
    readonly_fields = ["last_run_at", "last_error", "problems"]


@admin.register(DiscoveredTool)
class DiscoveredToolAdmin(admin.ModelAdmin):
    list_display = ["tool", "source", "places", "first_seen_at", "last_seen_at", "dismissed_at"]
    list_filter = ["source", "dismissed_at"]
    search_fields = ["tool__name", "dismissed_reason"]
    list_select_related = ["tool", "source"]
    fields = ["tool", "source", "evidence", "places", "first_seen_at", "last_seen_at", "last_used_at",
              "dismissed_at", "dismissed_by", "dismissed_reason"]
    readonly_fields = ["tool", "source", "evidence", "places", "first_seen_at", "last_seen_at", "last_used_at",
                       "dismissed_at", "dismissed_by"]

    def has_add_permission(self, request):
        return False  # only discovery finds tools
