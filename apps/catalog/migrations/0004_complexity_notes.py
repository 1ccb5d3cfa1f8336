from django.db import migrations

# Seed tools whose complexity note repeated the level: (the note as first seeded, the note now).
# A note a lead has edited since is left as it is.
NOTES = {
    "Airflow": ("High setup overhead", "Setup overhead"),
    "BentoML": ("Medium", ""),
    "Seldon Core": ("Kubernetes-native; High", "Kubernetes-native"),
    "FastAPI": ("Low (DIY)", "DIY"),
    "Triton Inference Server": ("High", ""),
    "SageMaker": ("Medium; minimal infrastructure management", "Minimal infrastructure management"),
    "Vertex AI": ("Medium; minimal infrastructure management", "Minimal infrastructure management"),
    "Azure ML": ("Medium; minimal infrastructure management", "Minimal infrastructure management"),
}


def forwards(apps, schema_editor):
    Tool = apps.get_model("catalog", "Tool")
    for name, (seeded, now) in NOTES.items():
        Tool.objects.filter(name=name, complexity_note=seeded).update(complexity_note=now)


def backwards(apps, schema_editor):
    Tool = apps.get_model("catalog", "Tool")
    for name, (seeded, now) in NOTES.items():
        Tool.objects.filter(name=name, complexity_note=now).update(complexity_note=seeded)


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0003_tool_name_sorted"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
