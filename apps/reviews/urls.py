from django.urls import path

from apps.reviews import views

urlpatterns = [
    path("", views.review_list, name="review-list"),
    path("schedule/", views.review_schedule, name="review-schedule"),
    path("<int:pk>/", views.review_detail, name="review-detail"),
    path("<int:pk>/open/", views.review_open_view, name="review-open"),
    path("<int:pk>/meeting/", views.review_meeting, name="review-meeting"),
    path("<int:pk>/keep-healthy/", views.review_keep_healthy, name="review-keep-healthy"),
    path("<int:pk>/close/", views.review_close_view, name="review-close"),
    path("<int:pk>/minutes/", views.review_minutes, name="review-minutes"),
    path("<int:pk>/minutes.md", views.review_minutes_markdown, name="review-minutes-markdown"),
    path("items/<int:pk>/decide/", views.item_decide_view, name="review-item-decide"),
    path("items/<int:pk>/filters/<slug:name>/", views.item_filter, name="review-item-filter"),
    path("tasks/<int:pk>/done/", views.task_done, name="task-done"),
]
