from django.contrib import admin

from apps.notifications.models import Channel, Notification


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    """Channels are added on their team's page, which checks the URL; here they are listed and
    may be removed. The URL itself is never shown."""

    list_display = ["label", "team", "url_env", "created_at"]
    list_filter = ["team"]
    search_fields = ["label", "team__name", "url_env"]
    readonly_fields = ["team", "label", "url_env", "created_at"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["subject", "channel", "created_at", "sent_at", "attempts", "failed_at"]
    list_filter = ["sent_at", "failed_at"]
    list_select_related = ["channel"]
    search_fields = ["subject", "key"]
    readonly_fields = [f.name for f in Notification._meta.fields]
