"""A trigram index per list for the name search, beside the one over every task.

A name fragment is found through its trigrams, and a fragment's common
trigrams ("LOA" of "ecs-load-0421") occur in nearly every name: the index
reads through all of their entries, every task of every service, to keep the
few tasks that hold the fragment's rarer ones too. The lists search one
service at a time (ECS one tab at a time), so each gets an index of only its
own tasks, a partial index on the same expression: the common trigrams' entries
are then that list's alone. The index over every task stays for searches that
name no service (the console API's).

PostgreSQL only, like the search's other indexes (migration 0005). The services
and ECS's tabs are those of today: a service added later is searched through
the index over every task until it gets one of its own.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import migrations
from django.db.models import Q
from django.db.models.functions import Upper

LISTS = {
    "task_name_trigram_ecs_creation": Q(service="ecs", category="creation"),
    "task_name_trigram_ecs_operation": Q(service="ecs", category="operation"),
    "task_name_trigram_css": Q(service="css"),
    "task_name_trigram_sdrs": Q(service="sdrs"),
    "task_name_trigram_kps": Q(service="kps"),
}
INDEXES = [
    GinIndex(OpClass(Upper("resource_name"), name="gin_trgm_ops"), name=name, condition=scope)
    for name, scope in LISTS.items()
]


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    task = apps.get_model("failedtasks", "FailedTask")
    for index in INDEXES:
        schema_editor.add_index(task, index)


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    task = apps.get_model("failedtasks", "FailedTask")
    for index in INDEXES:
        schema_editor.remove_index(task, index)


class Migration(migrations.Migration):

    dependencies = [
        ("failedtasks", "0007_tally_error_codes"),
    ]

    operations = [
        migrations.RunPython(add_indexes, remove_indexes, elidable=False),
    ]
