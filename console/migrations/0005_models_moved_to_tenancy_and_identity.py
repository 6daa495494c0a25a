from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('identity', '0001_initial'),
        ('failedtasks', '0006_project_in_tenancy'),
        ('alerts', '0002_project_in_tenancy'),
        ('console', '0004_known_sign_in_addresses'),
    ]

    operations = [
        # The models live on in tenancy and identity, on the same tables: forget them here only.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='accesskey',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='apitoken',
                    name='project',
                ),
                migrations.RemoveField(
                    model_name='apitoken',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='KnownSignInAddress',
                ),
                migrations.DeleteModel(
                    name='LoginFailure',
                ),
                migrations.RemoveField(
                    model_name='membership',
                    name='project',
                ),
                migrations.RemoveField(
                    model_name='membership',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='project',
                    name='region',
                ),
                migrations.RemoveField(
                    model_name='resource',
                    name='project',
                ),
                migrations.RemoveField(
                    model_name='resource',
                    name='parent',
                ),
                migrations.DeleteModel(
                    name='AccessKey',
                ),
                migrations.DeleteModel(
                    name='ApiToken',
                ),
                migrations.DeleteModel(
                    name='Membership',
                ),
                migrations.DeleteModel(
                    name='Region',
                ),
                migrations.DeleteModel(
                    name='Project',
                ),
                migrations.DeleteModel(
                    name='Resource',
                ),
            ],
            database_operations=[],
        ),
    ]
