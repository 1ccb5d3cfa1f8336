from django.urls import path

from apps.findings import views

urlpatterns = [path("", views.finding_list, name="finding-list")]
