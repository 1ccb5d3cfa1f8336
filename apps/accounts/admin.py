from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from apps.accounts.models import ApiToken, Team, User


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "member_count"]
    search_fields = ["name"]

    @admin.display(description="members")
    def member_count(self, team):
        return team.members.count()


class UserCreation(UserCreationForm):
    class Meta:
        model = User
        fields = ["email", "name", "team"]


class UserChange(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChange
    add_form = UserCreation
    list_display = ["email", "name", "team", "role_name", "is_active", "last_login"]
    list_filter = ["groups", "team", "is_active", "is_staff"]
    list_select_related = ["team"]
    search_fields = ["email", "name"]
    ordering = ["email"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["name", "team"]}),
        ("Role", {"fields": ["groups", "is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "name", "team", "password1", "password2"]}),
    ]
    filter_horizontal = ["groups"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="role")
    def role_name(self, user):
        return user.role or "—"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "hint", "scope", "created_by", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["scope"]
    # What a token may do and until when is chosen once, on the API tokens page.
    readonly_fields = ["hint", "scope", "created_by", "created_at", "expires_at", "last_used_at", "revoked_at"]
    fields = ["name", "hint", "scope", "created_by", "created_at", "expires_at", "last_used_at", "revoked_at"]

    def has_add_permission(self, request):
        return False  # tokens are issued on the API tokens page, which shows the secret once

    def has_delete_permission(self, request, obj=None):
        return False  # revoke on the API tokens page; the record of who made it stays
