"""The first wording of the authorization letter and the lifetime responsibility pledge."""

from django.db import migrations

from responsibility.text import TEMPLATES_V1


def seed(apps, schema_editor):
    DocumentTemplate = apps.get_model("responsibility", "DocumentTemplate")
    for kind, (title, body) in TEMPLATES_V1.items():
        DocumentTemplate.objects.get_or_create(
            kind=kind, version=1, defaults={"title": title, "body": body}
        )


class Migration(migrations.Migration):
    dependencies = [("responsibility", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
