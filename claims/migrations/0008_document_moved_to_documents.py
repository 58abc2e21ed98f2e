import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0007_payment_run_cancel'),
        ('documents', '0001_initial'),
    ]

    # The model moved app; its table (reports_document) and rows stay where they are (ADR 0029).
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='remittance',
                    name='advice',
                    field=models.OneToOneField(blank=True, help_text='The remittance advice PDF, once built.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='remittance', to='documents.document'),
                ),
            ],
            database_operations=[],
        ),
    ]
