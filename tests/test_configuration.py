"""The files an operator reads agree with what the settings module reads."""

import re
from pathlib import Path

import yaml
from django.conf import settings
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]


def variables_settings_read() -> set[str]:
    return set(settings.ENVIRONMENT_VARIABLES)


def variables_in_env_example() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^([A-Z_]+)=", text, flags=re.MULTILINE))


def test_settings_read_every_variable_design_names():
    assert variables_settings_read() == {
        "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "SITE_URL", "DATABASE_URL", "CELERY_BROKER_URL",
        "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS",
        "DEFAULT_FROM_EMAIL", "PROBE_ALLOWED_NETWORKS", "FIELD_ENCRYPTION_KEYS", "TRUSTED_PROXIES",
        "METRICS_TOKEN", "METRICS_ALLOWED_NETWORKS", "NOTIFY_ALLOWED_NETWORKS",
        "OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_SCOPES", "OIDC_GROUPS_CLAIM",
        "OIDC_LEAD_GROUPS", "OIDC_EVALUATOR_GROUPS", "OIDC_VIEWER_GROUPS", "OIDC_PROVIDER_NAME", "PASSWORD_LOGIN",
        "DISCOVERY_ALLOWED_PATHS",
    }


def test_env_example_and_readme_list_every_variable():
    readme = (ROOT / "README.md").read_text()
    assert variables_in_env_example() == variables_settings_read()
    for name in variables_settings_read():
        assert f"`{name}`" in readme, name


def test_migrations_match_the_models(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


class TestDockerCompose:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]

    def test_it_runs_every_service_a_team_install_needs(self):
        assert set(self.services) == {"postgres", "redis", "web", "worker", "beat", "mailpit"}

    def test_every_service_but_beat_has_a_health_check(self):
        for name, service in self.services.items():
            if name != "beat":
                assert "healthcheck" in service, name

    def test_data_lives_in_named_volumes(self):
        assert set(self.compose["volumes"]) >= {"postgres-data", "redis-data"}
        assert "postgres-data:/var/lib/postgresql/data" in self.services["postgres"]["volumes"]

    def test_the_app_services_share_one_image(self):
        images = {self.services[name].get("image") for name in ("web", "worker", "beat")}
        assert len(images) == 1 and None not in images
        assert self.services["web"]["build"] == "."

    def test_web_migrates_then_serves_with_gunicorn(self):
        web = self.services["web"]
        entrypoint = " ".join(web.get("entrypoint") or web.get("command") or [])
        script = (ROOT / entrypoint.split()[0].lstrip("/").removeprefix("app/")).read_text()
        assert script.index("migrate") < script.index("gunicorn apps.wsgi:application")
        assert "load_catalog" in script

    def test_worker_and_beat_run_celery(self):
        assert "celery -A apps worker" in " ".join(self.services["worker"]["command"])
        assert "celery -A apps beat" in " ".join(self.services["beat"]["command"])

    def test_the_app_environment_uses_only_variables_settings_read(self):
        for name in ("web", "worker", "beat"):
            env = self.services[name]["environment"]
            assert set(env) <= variables_settings_read(), name
            assert env["DATABASE_URL"].startswith("postgres://")
            assert env["DATABASE_URL"].endswith("@postgres:5432/stackledger")
            assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
            assert env["EMAIL_HOST"].endswith("mailpit}")
            assert env["DEBUG"] == "0"

    def test_the_app_waits_for_healthy_databases(self):
        depends = self.services["web"]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"

    def test_the_dockerfile_collects_static_files_and_serves_with_gunicorn(self):
        dockerfile = (ROOT / "Dockerfile").read_text()
        assert "collectstatic --noinput" in dockerfile
        assert "gunicorn" in dockerfile
        assert "USER app" in dockerfile
