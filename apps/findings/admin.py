from django.contrib import admin

from apps.findings.models import Finding, LinterRun


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
    list_display = ["code", "subject", "found_at"]
    list_filter = ["code"]
    list_select_related = ["entry__tool", "pain_point", "category"]
    search_fields = ["message", "entry__tool__name", "pain_point__title"]
    date_hierarchy = "found_at"


@admin.register(LinterRun)
class LinterRunAdmin(ReadOnly):
    list_display = ["finished_at", "seconds", "findings", "requested_at"]
