from django.urls import path

from apps.stackfile import views

urlpatterns = [
    path("stack/import/", views.import_page, name="stack-import"),
    path("stack/export.yaml", views.export_download, name="stack-export"),
    path("stack/export.csv", views.export_csv_download, name="stack-csv"),
    path("api/stack.json", views.stack_json, name="stack-json"),
]
