from django.urls import path

from apps.evaluations import views

urlpatterns = [
    path("evaluations/", views.evaluation_list, name="evaluation-list"),
    path("evaluations/new/", views.evaluation_create, name="evaluation-create"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation-detail"),
    path("evaluations/<int:pk>/shortlist/", views.evaluation_shortlist, name="evaluation-shortlist"),
    path("evaluations/<int:pk>/compare/", views.evaluation_compare, name="evaluation-compare"),
    path("evaluations/<int:pk>/cancel/", views.evaluation_cancel_view, name="evaluation-cancel"),
    path("evaluations/<int:pk>/decide/", views.decision_create, name="decision-create"),
    path("trials/<int:pk>/", views.trial_detail, name="trial-detail"),
    path("trials/<int:pk>/log/", views.trial_log, name="trial-log"),
    path("trials/<int:pk>/done/", views.trial_done, name="trial-done"),
    path("decisions/", views.decision_list, name="decision-list"),
    path("decisions/export.zip", views.decision_export, name="decision-export"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision-detail"),
    path("decisions/<int:pk>/accept/", views.decision_accept_view, name="decision-accept"),
    path("decisions/<int:pk>.md", views.decision_markdown_view, name="decision-markdown"),
]
