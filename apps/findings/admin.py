from django.contrib import admin
from django.utils import timezone

from apps.findings import acceptances
from apps.findings.forms import AcceptanceRecordForm
from apps.findings.models import Acceptance, Finding, LinterRun


class ReadOnly(admin.ModelAdmin):
    """Made by the linter, never typed in: fix the stack and the next run takes the finding away."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Finding)
class FindingAdmin(ReadOnly):
    list_display = ["code", "subject", "found_at", "acceptance"]
    list_filter = ["code"]
    list_select_related = ["entry__tool", "pain_point", "category"]
    search_fields = ["message", "entry__tool__name", "pain_point__title"]
    date_hierarchy = "found_at"


@admin.register(LinterRun)
class LinterRunAdmin(ReadOnly):
    list_display = ["finished_at", "seconds", "findings", "requested_at"]


@admin.register(Acceptance)
class AcceptanceAdmin(admin.ModelAdmin):
    """Accepted findings, made and checked as on the findings page (apps.findings.acceptances)."""

    form = AcceptanceRecordForm
    list_display = ["code", "subject", "owner", "expires_on", "holds", "accepted_by", "accepted_at"]
    list_filter = ["code", "expires_on"]
    list_select_related = ["entry__tool", "pain_point", "category", "owner", "accepted_by"]
    search_fields = ["rationale", "entry__tool__name", "pain_point__title", "category__name"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["accepted_by", "accepted_at"]

    @admin.display(boolean=True, description="Holds today")
    def holds(self, acceptance):
        return acceptance.holds_on(timezone.localdate())

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.today = timezone.localdate()
        return form

    def save_model(self, request, obj, form, change):
        acceptances.accept(obj, by=request.user, now=timezone.now())

    def delete_model(self, request, obj):
        acceptances.withdraw(obj)

    def delete_queryset(self, request, queryset):
        for acceptance in queryset:
            acceptances.withdraw(acceptance)
