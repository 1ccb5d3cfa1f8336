from django.db import migrations


def create_profile(apps, schema_editor):
    apps.get_model("stack", "OrganisationProfile").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    """The one organisation profile, with the seed's defaults (Kubernetes not operated)."""

    dependencies = [("stack", "0003_organisationprofile")]

    operations = [migrations.RunPython(create_profile, migrations.RunPython.noop)]
