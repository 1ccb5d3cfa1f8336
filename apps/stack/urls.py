from django.urls import path

from apps.stack import views

urlpatterns = [
    path("", views.entry_list, name="entry-list"),
]
