import getpass
import os
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from apps.accounts.models import Team, User
from apps.accounts.roles import ROLE_CHOICES


class Command(BaseCommand):
    help = (
        "Create or update a user with one role. The password comes from STACKLEDGER_PASSWORD, "
        "or a prompt."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=[r for r, _ in ROLE_CHOICES])
        parser.add_argument("--team", help="the team's name; created if it does not exist")
        parser.add_argument("--name", default="", help="the person's display name")

    def handle(self, *args, email, role, team, name, **options):
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not an email address") from None

        password = os.environ.get("STACKLEDGER_PASSWORD") or self.prompt_password()
        user = User.objects.filter(email__iexact=email).first()
        created = user is None
        if created:
            user = User(email=email)
        if name:
            user.name = name
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError("The password is too weak: " + " ".join(error.messages)) from None
        with transaction.atomic():
            if team:
                user.team, _ = Team.objects.get_or_create(name=team.strip())
            user.set_password(password)
            user.is_active = True
            user.save()
            user.set_role(role)
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} {email} as {role}" + (f" in team {user.team}" if team else ""))

    def prompt_password(self) -> str:
        if sys.stdin is None or not sys.stdin.isatty():
            raise CommandError("Set STACKLEDGER_PASSWORD: there is no terminal to prompt on")
        password = getpass.getpass("Password: ")
        if not password:
            raise CommandError("The password may not be empty")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The passwords do not match")
        return password
