from django.contrib import admin

from apps.catalog.forms import ToolForm
from apps.catalog.models import Category, Tool


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "in_minimum_stack", "max_adopted", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"key": ["name"]}


@admin.register(Tool)
class ToolAdmin(admin.ModelAdmin):
    form = ToolForm  # its signatures one a line, package names as PyPI compares them
    list_display = ["name", "hosting", "complexity", "kubernetes_native", "discontinued"]
    list_filter = ["categories", "hosting", "complexity", "kubernetes_native", "discontinued"]
    search_fields = ["name", "strengths", "weaknesses", "best_for"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["categories"]
