import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audits', '0002_audit_pack'),
        ('documents', '0001_initial'),
    ]

    # The model moved app; its table (reports_document) and rows stay where they are (ADR 0029).
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='auditcase',
                    name='pack',
                    field=models.OneToOneField(blank=True, help_text='The latest audit pack PDF.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='audit_case', to='documents.document'),
                ),
            ],
            database_operations=[],
        ),
    ]
