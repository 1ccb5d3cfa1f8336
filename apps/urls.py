from django.contrib import admin
from django.urls import include, path

from apps.health import views as health_views
from apps.stack import views as stack_views

urlpatterns = [
    path("", include("apps.ledger.urls")),
    path("tools/", include("apps.catalog.urls")),
    path("", include("apps.stackfile.urls")),
    path("", include("apps.probes.urls")),
    path("", include("apps.evaluations.urls")),
    path("", include("apps.notifications.urls")),
    path("stack/", include("apps.stack.urls")),
    path("pain-points/", include("apps.painpoints.urls")),
    path("findings/", include("apps.findings.urls")),
    path("", include("apps.discovery.urls")),
    path("reviews/", include("apps.reviews.urls")),
    path("models/", stack_views.model_list, name="model-list"),
    path("profile/", stack_views.profile, name="profile"),
    path("accounts/", include("apps.accounts.urls")),
    path("admin/", admin.site.urls),
    path("metrics", health_views.metrics, name="metrics"),
    path("api/", include("apps.api.urls")),  # the REST API; /api/stack.json stays with the stack file
]

admin.site.site_header = "Stackledger administration"
admin.site.site_title = "Stackledger"
