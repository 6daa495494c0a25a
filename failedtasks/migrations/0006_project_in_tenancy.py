import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('failedtasks', '0005_search_indexes'),
        ('tenancy', '0001_initial'),
    ]

    operations = [
        # The foreign keys already reference console_project, the table tenancy.Project keeps.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='deletedtask',
                    name='project',
                    field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.project'),
                ),
                migrations.AlterField(
                    model_name='deletion',
                    name='project',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='deletions', to='tenancy.project'),
                ),
                migrations.AlterField(
                    model_name='failedtask',
                    name='project',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='failed_tasks', to='tenancy.project'),
                ),
                migrations.AlterField(
                    model_name='projectrevision',
                    name='project',
                    field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='tenancy.project'),
                ),
                migrations.AlterField(
                    model_name='tasktally',
                    name='project',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tallies', to='tenancy.project'),
                ),
            ],
            database_operations=[],
        ),
    ]
