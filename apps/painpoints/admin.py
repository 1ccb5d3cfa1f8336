from django.contrib import admin

from apps.painpoints.models import PainPoint


@admin.register(PainPoint)
class PainPointAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "team", "severity", "anticipated", "status", "created_at"]
    list_filter = ["status", "severity", "anticipated", "category", "team"]
    list_select_related = ["category", "team"]
    search_fields = ["title", "description", "evidence"]
    raw_id_fields = ["reported_by"]
    date_hierarchy = "created_at"
