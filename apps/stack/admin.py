from django.contrib import admin
from django.utils import timezone

from apps.stack.models import FILTERS, LifecycleTransition, MLModel, OrganisationProfile, StackEntry


class TransitionInline(admin.TabularInline):
    model = LifecycleTransition
    extra = 0
    can_delete = False
    fields = ["at", "from_lifecycle", "to_lifecycle", "by", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(StackEntry)
class StackEntryAdmin(admin.ModelAdmin):
    list_display = ["tool", "lifecycle", "owner", "team", "licence_per_month", "ops_hours_per_month"]
    list_filter = ["lifecycle", "team", "tool__categories", "capability", "integration", "operational_cost"]
    list_select_related = ["tool", "owner", "team"]
    search_fields = ["tool__name", "owner__email", "notes"]
    autocomplete_fields = ["owner"]
    filter_horizontal = ["pain_points"]
    inlines = [TransitionInline]
    # The workflow's fields change on the entry page, under its rules and with their history:
    # the lifecycle, the three filters with their rationales, the dates moves stamp. An entry
    # added here starts as proposed.
    readonly_fields = [
        "lifecycle", "adopted_on", "retired_on", "removal_planned_on",
        *(name for field in FILTERS for name in (field, f"{field}_rationale")),
    ]

    def has_delete_permission(self, request, obj=None):
        return False  # retiring never deletes: the history stays

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            obj.record_arrival(by=request.user, now=timezone.now(), note="Created in the admin.")


@admin.register(MLModel)
class MLModelAdmin(admin.ModelAdmin):
    list_display = ["name", "stage", "team", "owner"]
    list_filter = ["stage", "team"]
    list_select_related = ["team", "owner"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["owner", "tracker", "registry", "serving", "monitoring"]


@admin.register(OrganisationProfile)
class OrganisationProfileAdmin(admin.ModelAdmin):
    list_display = ["__str__", "cloud", "kubernetes_operated", "data_orchestrator", "engineer_hourly_cost"]

    def has_add_permission(self, request):
        return not OrganisationProfile.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
