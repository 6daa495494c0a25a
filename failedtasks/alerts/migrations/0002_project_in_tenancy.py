import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('alerts', '0001_initial'),
        ('tenancy', '0001_initial'),
    ]

    operations = [
        # The foreign key already references console_project, the table tenancy.Project keeps.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='alertrule',
                    name='project',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='alert_rules', to='tenancy.project'),
                ),
            ],
            database_operations=[],
        ),
    ]
