"""Email-and-password login, which PASSWORD_LOGIN turns off."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class PasswordBackend(ModelBackend):
    """Django's own password check, while PASSWORD_LOGIN is on. Off, no password signs anyone
    in, on the login page or the admin's, and sessions begun with one end."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not settings.PASSWORD_LOGIN:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id):
        if not settings.PASSWORD_LOGIN:
            return None
        return super().get_user(user_id)
