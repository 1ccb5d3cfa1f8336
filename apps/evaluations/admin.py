from django.contrib import admin

from apps.evaluations.models import DecisionRecord, Evaluation, Trial, TrialLogEntry


class TrialInline(admin.TabularInline):
    model = Trial
    extra = 0
    fields = ["entry", "owner", "start_on", "time_box_days", "finished_on", "state"]
    readonly_fields = ["entry", "finished_on", "state"]  # a shortlist is made on the evaluation's page

    def has_add_permission(self, request, obj=None):
        return False
    autocomplete_fields = ["owner"]
    raw_id_fields = ["entry"]


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "created_by", "created_at"]
    list_filter = ["category"]
    search_fields = ["title", "use_case"]
    filter_horizontal = ["pain_points"]
    inlines = [TrialInline]
    readonly_fields = ["cancelled_at", "cancelled_by", "cancel_reason"]


@admin.register(TrialLogEntry)
class TrialLogEntryAdmin(admin.ModelAdmin):
    list_display = ["trial", "day", "author"]
    list_select_related = ["trial__entry__tool", "author"]


@admin.register(DecisionRecord)
class DecisionRecordAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "chosen", "revisit_by", "created_at"]
    list_filter = ["status"]
    search_fields = ["title", "context", "outcome"]
    raw_id_fields = ["chosen", "supersedes", "evaluation"]
    # Accepting adopts the chosen tool through the gate and rejects the others: only the
    # decision's page does that.
    readonly_fields = ["status", "accepted_at", "accepted_by", "created_by", "created_at"]
