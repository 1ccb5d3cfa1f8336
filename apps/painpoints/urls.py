from django.urls import path

from apps.painpoints import views

urlpatterns = [
    path("", views.painpoint_list, name="painpoint-list"),
]
