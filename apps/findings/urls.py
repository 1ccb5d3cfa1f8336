from django.urls import path

from apps.findings import views

urlpatterns = [
    path("", views.finding_list, name="finding-list"),
    path("accept/", views.finding_accept, name="finding-accept"),
    path("accepted/<int:pk>/withdraw/", views.acceptance_withdraw, name="acceptance-withdraw"),
]
