import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('documents', '0001_initial'),
        ('outcomes', '0002_meeting_evidence'),
    ]

    # The model moved app; its table (reports_document) and rows stay where they are (ADR 0029).
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='meeting',
                    name='attendance_sheet',
                    field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='meeting', to='documents.document'),
                ),
            ],
            database_operations=[],
        ),
    ]
