from django.urls import path

from apps.discovery import views

urlpatterns = [
    path("discovered/", views.discovered_list, name="discovered-list"),
    path("discovered/<int:pk>/register/", views.discovered_register, name="discovered-register"),
    path("discovered/<int:pk>/dismiss/", views.discovered_dismiss, name="discovered-dismiss"),
    path("discovery/sources/", views.source_list, name="discovery-sources"),
    path("discovery/sources/add/", views.source_add, name="discovery-source-add"),
    path("discovery/sources/<int:pk>/", views.source_edit, name="discovery-source-edit"),
    path("discovery/sources/<int:pk>/delete/", views.source_delete, name="discovery-source-delete"),
    path("discovery/sources/<int:pk>/run/", views.source_run, name="discovery-source-run"),
]
