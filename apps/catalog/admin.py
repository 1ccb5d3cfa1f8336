from django.contrib import admin

from apps.catalog.models import Category, Tool


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "in_minimum_stack", "max_adopted", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"key": ["name"]}


@admin.register(Tool)
class ToolAdmin(admin.ModelAdmin):
    list_display = ["name", "hosting", "complexity", "kubernetes_native", "discontinued"]
    list_filter = ["categories", "hosting", "complexity", "kubernetes_native", "discontinued"]
    search_fields = ["name", "strengths", "weaknesses", "best_for"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["categories"]
