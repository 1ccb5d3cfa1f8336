from django.urls import path

from apps.painpoints import views

urlpatterns = [
    path("", views.painpoint_list, name="painpoint-list"),
    path("new/", views.painpoint_create, name="painpoint-create"),
    path("<int:pk>/", views.painpoint_detail, name="painpoint-detail"),
    path("<int:pk>/status/", views.painpoint_status, name="painpoint-status"),
]
