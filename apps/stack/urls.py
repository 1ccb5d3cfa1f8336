from django.urls import path

from apps.stack import views

urlpatterns = [
    path("", views.entry_list, name="entry-list"),
    path("<int:pk>/", views.entry_detail, name="entry-detail"),
    path("<int:pk>/move/", views.entry_move, name="entry-move"),
    path("<int:pk>/edit/", views.entry_edit, name="entry-edit"),
    path("<int:pk>/filters/<slug:name>/", views.entry_filter, name="entry-filter"),
]
