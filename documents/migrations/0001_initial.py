from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('reports', '0004_scheme_rates_and_checks'),
    ]

    # The model moved app; its table (reports_document) and rows stay where they are (ADR 0029).
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Document',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('remittance_advice', 'Remittance advice'), ('attendance_sheet', 'Signed attendance sheet'), ('audit_pack', 'Audit pack')], max_length=32)),
                        ('filename', models.CharField(help_text='The safe name it downloads as.', max_length=200)),
                        ('content_type', models.CharField(default='application/pdf', max_length=100)),
                        ('content', models.BinaryField()),
                        ('size', models.PositiveIntegerField()),
                        ('sha256', models.CharField(max_length=64)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'db_table': 'reports_document',
                        'ordering': ['-created_at'],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
