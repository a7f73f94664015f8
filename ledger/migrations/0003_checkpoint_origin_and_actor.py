from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_create_ledger_head")]

    operations = [
        migrations.AddField(
            model_name="checkpoint",
            name="origin",
            field=models.CharField(
                default="", help_text="the log's name (LEDGER_LOG_ID)", max_length=200
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="checkpoint",
            name="actor",
            field=models.CharField(blank=True, max_length=150),
        ),
    ]
