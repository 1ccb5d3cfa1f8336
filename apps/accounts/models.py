import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from apps.accounts.roles import EVALUATOR, GROUP_NAMES, LEAD, VIEWER


class Team(models.Model):
    """A team of the organisation: it reports pain points and owns stack entries."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("A user needs an email address")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields["is_staff"] = True
        fields["is_superuser"] = True
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email. Their role is their one group."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150, blank=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use the admin site.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.name or self.email

    def get_full_name(self):
        return self.name or self.email

    def get_short_name(self):
        return self.name.split(" ")[0] if self.name else self.email

    @property
    def role(self) -> str | None:
        """lead, evaluator or viewer; None for a user given no role yet."""
        names = {group.name for group in self.groups.all()}
        for role in (LEAD, EVALUATOR, VIEWER):
            if GROUP_NAMES[role] in names:
                return role
        return None

    def is_staff_as(self, role: str) -> bool:
        """Whether the user has the admin site with this role: platform leads and superusers do."""
        return role == LEAD or self.is_superuser

    def set_role(self, role: str) -> None:
        """Give the user exactly one role. Platform leads also get the admin site."""
        from django.contrib.auth.models import Group

        self.groups.set([Group.objects.get(name=GROUP_NAMES[role])])
        is_staff = self.is_staff_as(role)
        if self.is_staff != is_staff:
            self.is_staff = is_staff
            self.save(update_fields=["is_staff"])


class ApiToken(models.Model):
    """A secret that lets a script or dashboard use the API without a login, acting as the lead
    who made it: a read token only reads; a write token also writes what its maker may.

    Only a hash is stored: the token is shown once, when it is created.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Read and write"

    PREFIX = "sl_"

    name = models.CharField(max_length=100, help_text="What uses it, e.g. the Grafana dashboard.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(max_length=12, editable=False, help_text="The token's first characters.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    scope = models.CharField(
        max_length=8, choices=Scope.choices, default=Scope.READ,
        help_text="Read: the API's reads and /api/stack.json. Read and write: also its writes.",
    )
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Refused from this moment on; empty: until it is revoked."
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.hint}…)"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, *, name: str, by, scope: str = Scope.READ, expires_at=None) -> tuple["ApiToken", str]:
        """A new token and its secret, which is never stored."""
        secret = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            name=name, digest=cls.hash(secret), hint=secret[:8], created_by=by, scope=cls.Scope(scope),
            expires_at=expires_at,
        )
        return token, secret

    @property
    def may_write(self) -> bool:
        return self.scope == self.Scope.WRITE

    @classmethod
    def authenticate(cls, secret: str, now) -> "ApiToken | None":
        """The live token for this secret. A token dies with its creator's right to make
        tokens: revoked, expired, or made by someone who left or is no longer a lead, it is
        refused."""
        token = (
            cls.objects.select_related("created_by")
            .filter(digest=cls.hash(secret), revoked_at__isnull=True, created_by__is_active=True)
            .filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))
            .first()
        )
        if token is None or not token.created_by.has_perm("accounts.add_apitoken"):
            return None
        cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token


def lead_emails() -> list[str]:
    """Where news for the platform leads goes: every active lead's email."""
    return list(User.objects.filter(is_active=True, groups__name=GROUP_NAMES[LEAD]).values_list("email", flat=True))
