from django.contrib import admin
from django.utils import timezone

from apps.painpoints.models import PainPoint
from apps.painpoints.services import pain_point_log


@admin.register(PainPoint)
class PainPointAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "team", "severity", "anticipated", "status", "created_at"]
    list_filter = ["status", "severity", "anticipated", "category", "team"]
    list_select_related = ["category", "team"]
    search_fields = ["title", "description", "evidence"]
    raw_id_fields = ["reported_by"]
    date_hierarchy = "created_at"
    readonly_fields = ["status"]  # changed on the pain point's page, with a note in its history

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:  # logged as on the pages: reported by whoever adds it, its history started
            pain_point_log(form=form, by=request.user, now=timezone.now())
