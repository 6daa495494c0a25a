"""Moving a model from one app to another without touching its table.

The model keeps its table (Meta.db_table); migrations move only Django's idea of
where it lives (SeparateDatabaseAndState), and its content type moves along, so
permissions and admin history that point at it stay attached.
"""

from django.db import migrations


def relabel_content_types(old_label: str, new_label: str, model_names: list[str]):
    """A migration operation that moves the models' content types between app labels
    (and back when unapplied). A content type the new label already has is left alone."""

    def move(apps, old, new):
        ContentType = apps.get_model("contenttypes", "ContentType")
        for name in model_names:
            if not ContentType.objects.filter(app_label=new, model=name).exists():
                ContentType.objects.filter(app_label=old, model=name).update(app_label=new)

    return migrations.RunPython(
        lambda apps, schema_editor: move(apps, old_label, new_label),
        lambda apps, schema_editor: move(apps, new_label, old_label),
        elidable=False,
    )
