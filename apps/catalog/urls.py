from django.urls import path

from apps.catalog import views

urlpatterns = [
    path("", views.tool_list, name="tool-list"),
    path("<slug:slug>/", views.tool_detail, name="tool-detail"),
]
