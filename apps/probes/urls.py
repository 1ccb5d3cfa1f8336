from django.urls import path

from apps.probes import views

urlpatterns = [
    path("usage/answer/<str:token>/", views.usage_answer, name="usage-answer"),
    path("hb/<str:token>/", views.heartbeat, name="heartbeat"),
    path("stack/<int:pk>/heartbeat/rotate/", views.heartbeat_rotate, name="entry-heartbeat-rotate"),
    path("stack/<int:pk>/attest/", views.attest, name="entry-attest"),
    path("stack/<int:pk>/probe-now/", views.probe_now, name="entry-probe-now"),
    path("stack/<int:pk>/probe/", views.probe_settings, name="entry-probe"),
]
