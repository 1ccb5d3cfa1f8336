from django.contrib import admin

from apps.health.models import Heartbeat


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "seen_at"]
    readonly_fields = ["name", "seen_at"]
