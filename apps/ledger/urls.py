from django.urls import path

from apps.ledger import views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("tools/<slug:slug>/propose/", views.tool_propose, name="tool-propose"),
    path("stack/<int:pk>/", views.entry_detail, name="entry-detail"),
    path("stack/<int:pk>/move/", views.entry_move, name="entry-move"),
    path("stack/<int:pk>/edit/", views.entry_edit, name="entry-edit"),
    path("stack/<int:pk>/filters/<slug:name>/", views.entry_filter, name="entry-filter"),
    path("teams/", views.team_list, name="team-list"),
    path("teams/<int:pk>/", views.team_detail, name="team-detail"),
]
