"""The login page, and the two steps of single sign-on: off to the provider, and back."""

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import View
from mozilla_django_oidc import views as oidc_views

from apps.accounts import oidc

PASSWORD_LOGIN_OFF = "Logging in with a password is turned off here."


class LoginView(auth_views.LoginView):
    """Email and password (unless PASSWORD_LOGIN is off), and the single sign-on button."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs,
            password_login=settings.PASSWORD_LOGIN,
            sign_on=oidc.provider_name() if oidc.enabled() else None,
        )

    def post(self, request, *args, **kwargs):
        if not settings.PASSWORD_LOGIN:
            messages.error(request, PASSWORD_LOGIN_OFF)
            form = self.get_form_class()(request)  # unbound: what was typed is not even read
            return self.render_to_response(self.get_context_data(form=form), status=403)
        return super().post(request, *args, **kwargs)


class SignOnStart(oidc_views.OIDCAuthenticationRequestView):
    """/accounts/oidc/authenticate/: to the provider's sign-in page, coming back to `next`."""

    get_settings = staticmethod(oidc.setting)

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)  # the endpoint is read when it is needed, not before

    def get(self, request):
        if not oidc.enabled():
            raise Http404("Single sign-on is off")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc.provider_metadata()["authorization_endpoint"]
        except oidc.ProviderUnavailable as error:
            oidc.logger.warning("Single sign-on with %s failed: %s", settings.OIDC_ISSUER, error)
            messages.error(request, oidc.UNAVAILABLE.format(provider=oidc.provider_name()))
            return redirect("login")
        self.OIDC_RP_CLIENT_ID = settings.OIDC_CLIENT_ID
        return super().get(request)


class SignOnCallback(oidc_views.OIDCAuthenticationCallbackView):
    """/accounts/oidc/callback/, the redirect URI registered at the provider: signs the person
    in, or back to the login page saying why not."""

    get_settings = staticmethod(oidc.setting)

    def get(self, request):
        if not oidc.enabled():
            raise Http404("Single sign-on is off")
        try:
            return super().get(request)
        except SuspiciousOperation as error:  # e.g. a state this browser never sent: a reload, an old tab
            oidc.logger.warning("Single sign-on callback refused: %s", error)
            return self.login_failure()

    def login_failure(self):
        if self.request.user.is_authenticated:
            auth.logout(self.request)
        refusal = getattr(self.request, "sign_on_refused", None)
        messages.error(self.request, refusal or oidc.FAILED.format(provider=oidc.provider_name()))
        return redirect("login")
