from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('audits', '0003_document_moved_to_documents'),
        ('claims', '0008_document_moved_to_documents'),
        ('outcomes', '0003_document_moved_to_documents'),
        ('reports', '0004_scheme_rates_and_checks'),
    ]

    # The model moved app; its table (reports_document) and rows stay where they are (ADR 0029).
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='Document',
                ),
            ],
            database_operations=[],
        ),
    ]
