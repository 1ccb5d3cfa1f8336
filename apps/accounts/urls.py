from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path

from apps.accounts import login, views

urlpatterns = [
    path("login/", login.LoginView.as_view(), name="login"),
    # Single sign-on: off to the provider, and back (the redirect URI to register with it).
    path("oidc/authenticate/", login_not_required(login.SignOnStart.as_view()), name="oidc-authenticate"),
    path("oidc/callback/", login_not_required(login.SignOnCallback.as_view()), name="oidc-callback"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
