from django.contrib import admin

from apps.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["subject", "created_at", "sent_at", "attempts", "failed_at"]
    list_filter = ["sent_at", "failed_at"]
    search_fields = ["subject", "key"]
    readonly_fields = [f.name for f in Notification._meta.fields]
