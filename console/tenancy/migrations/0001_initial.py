import console.tenancy.models
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from console.lib.moved_models import relabel_content_types


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('console', '0004_known_sign_in_addresses'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables exist since console's 0001 (Meta.db_table keeps their names): only the state moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Region',
                    fields=[
                        ('id', models.CharField(help_text='Like cn-north-4.', max_length=32, primary_key=True, serialize=False, validators=[django.core.validators.RegexValidator('^[a-z]+(-[a-z0-9]+)+$')])),
                        ('name_en', models.CharField(max_length=64)),
                        ('name_zh', models.CharField(max_length=64)),
                        ('position', models.PositiveSmallIntegerField(default=0, help_text='Order in the Project list.')),
                    ],
                    options={
                        'db_table': 'console_region',
                        'ordering': ['position', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='Project',
                    fields=[
                        ('id', models.CharField(default=console.tenancy.models.new_project_id, max_length=32, primary_key=True, serialize=False, validators=[django.core.validators.RegexValidator('^[0-9a-f]{32}$', 'A project ID is 32 lowercase hexadecimal characters.')])),
                        ('name', models.CharField(max_length=64, unique=True)),
                        ('description', models.CharField(blank=True, max_length=255)),
                        ('region', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='projects', to='tenancy.region')),
                    ],
                    options={
                        'db_table': 'console_project',
                        'ordering': ['region__position', 'region_id', 'name'],
                    },
                ),
                migrations.CreateModel(
                    name='Membership',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('role', models.CharField(choices=[('viewer', 'Viewer'), ('operator', 'Operator'), ('admin', 'Admin')], default='viewer', max_length=16)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to=settings.AUTH_USER_MODEL)),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='tenancy.project')),
                    ],
                    options={
                        'db_table': 'console_membership',
                        'constraints': [models.UniqueConstraint(fields=('user', 'project'), name='one_role_per_project'), models.CheckConstraint(condition=models.Q(('role__in', ['viewer', 'operator', 'admin'])), name='membership_role_known')],
                    },
                ),
                migrations.CreateModel(
                    name='Resource',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('service', models.CharField(choices=[('ecs', 'Elastic Cloud Server'), ('css', 'Cloud Search Service'), ('sdrs', 'Storage Disaster Recovery Service'), ('kps', 'Key Pair Service')], max_length=8)),
                        ('resource_id', models.CharField(max_length=64)),
                        ('name', models.CharField(max_length=255)),
                        ('status', models.CharField(max_length=32)),
                        ('attributes', models.JSONField(blank=True, default=dict)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='children', to='tenancy.resource')),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='resources', to='tenancy.project')),
                    ],
                    options={
                        'db_table': 'console_resource',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['project', 'service', '-created_at'], name='resource_page')],
                        'constraints': [models.UniqueConstraint(fields=('project', 'service', 'resource_id'), name='resource_id_unique'), models.CheckConstraint(condition=models.Q(('service__in', ['ecs', 'css', 'sdrs', 'kps'])), name='resource_service_known')],
                    },
                ),
            ],
            database_operations=[],
        ),
        relabel_content_types("console", "tenancy", ["region", "project", "membership", "resource"]),
    ]
