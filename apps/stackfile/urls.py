from django.urls import path

from apps.stackfile import views

urlpatterns = [
    path("stack/import/", views.import_page, name="stack-import"),
    path("stack/export.yaml", views.export_download, name="stack-export"),
    path("stack/export.csv", views.export_csv_download, name="stack-csv"),
    path("stack/radar.json", views.radar_json, name="radar-json"),
    path("stack/radar.csv", views.radar_csv, name="radar-csv"),
    path("api/stack.json", views.stack_json, name="stack-json"),
]
