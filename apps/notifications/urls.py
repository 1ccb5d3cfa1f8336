from django.urls import path

from apps.notifications import views

urlpatterns = [
    path("teams/<int:pk>/channels/", views.channel_add, name="channel-add"),
    path("teams/channels/<int:pk>/test/", views.channel_test, name="channel-test"),
    path("teams/channels/<int:pk>/remove/", views.channel_remove, name="channel-remove"),
]
