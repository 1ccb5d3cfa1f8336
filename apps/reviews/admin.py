from django.contrib import admin

from apps.reviews.models import Review, ReviewItem, Task


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["year", "team", "chair", "held_on", "status", "opened_at", "closed_at"]
    list_filter = ["status", "team"]
    list_select_related = ["team", "chair"]
    filter_horizontal = ["attendees"]
    # A team's review, and its chair, are set on the scheduling page, under its rules.
    readonly_fields = ["team", "chair", "status", "previous", "opened_at", "closed_at", "closed_by", "created_by",
                       "created_at"]


@admin.register(ReviewItem)
class ReviewItemAdmin(admin.ModelAdmin):
    """Read only: the evidence is frozen when the review opens, and decisions are taken in the
    meeting, under its rules."""

    list_display = ["tool_name", "review", "position", "usage_state", "decision", "action_owner", "due_on"]
    list_filter = ["review", "decision", "usage_state"]
    list_select_related = ["review__team", "action_owner"]
    search_fields = ["tool_name"]
    readonly_fields = [
        "review", "entry", "position", "tool_name", "category_keys", "category_names", "lifecycle", "usage_state",
        "last_activity_at", "trend", "licence_per_month", "ops_hours_per_month", "monthly_cost", "owner",
        "owner_name", "findings", "accepted_findings", "pain_points", "decision_record", "changes", "risks", "evaluation",
        "decided_by", "decided_at", "decision", "rationale", "action_owner", "due_on",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "entry", "owner", "due_on", "done_on"]
    list_filter = ["done_on"]
    list_select_related = ["entry__tool", "owner"]
    raw_id_fields = ["entry", "item"]
    autocomplete_fields = ["owner"]
