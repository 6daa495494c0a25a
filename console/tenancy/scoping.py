"""The one place that decides whether a user may see or change a project.

Outside the user's projects (or a project that does not exist) is a 404, so
existence never leaks; inside, a role below the one needed is a 403.
"""

import functools

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import BigIntegerField, F, Value
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from console.lib.errors import NotAllowed, NotFound
from console.lib.ids import PROJECT_ID
from console.lib.prepared import prepared_cursor
from console.lib.sql_names import column, table
from console.tenancy.models import Membership, Project, Role

NO_SUCH_PROJECT = gettext_lazy("There is no such project, or you have no role in it.")


def role_of(user, membership_role: str | None) -> str | None:
    """The rule every look-up below applies: a superuser is admin of every project
    that exists; anyone else has the role of their membership (None: no role)."""
    return Role.ADMIN.value if user.is_superuser else membership_role


def project_for(
    user, project_id: str, need: str = Role.VIEWER, *, loaded: Project | None = None,
    loaded_role: str | None = None, reads: dict[str, tuple[str, list]] | None = None,
    **annotations
) -> tuple[Project, str]:
    """The project with `project_id` and the user's role in it, or 404 / 403.

    One query: the role comes joined from the membership row, and any
    `annotations` (e.g. a count the caller needs) ride on the same query, as do
    `reads`: integers written as SQL scalar expressions with their parameters, set
    on the project under their names.
    `loaded`: the project if the caller has it already (an API token's scope,
    read with the token); when it is this one, only the role and the reads are
    read, by one statement written once, or nothing at all when there are no
    reads and `loaded_role` is the user's role in it, read with the token too.
    """
    if not getattr(user, "is_authenticated", False) or not PROJECT_ID.fullmatch(str(project_id)):
        raise NotFound(str(NO_SUCH_PROJECT))
    reads = reads or {}
    if loaded is not None and loaded.pk == project_id and not annotations:
        project = loaded
        if loaded_role is not None and not reads:
            project.role, values = loaded_role, []
        else:
            project.role, values = _role_and_reads(user, project.pk, reads)
        for name, value in zip(reads, values, strict=True):
            setattr(project, name, value)
    else:
        annotations.update({name: RawSQL(sql, params, output_field=BigIntegerField())
                            for name, (sql, params) in reads.items()})
        projects = Project.objects.select_related("region").filter(pk=project_id)
        if user.is_superuser:
            projects = projects.annotate(role=Value(Role.ADMIN.value))
        else:
            projects = projects.filter(memberships__user=user).annotate(role=F("memberships__role"))
        # No ORDER BY: the id names one project at most.
        project = next(iter(projects.annotate(**annotations).order_by()[:1]), None)
    if project is None or project.role is None:
        raise NotFound(str(NO_SUCH_PROJECT))
    check_role(project.role, need)
    return project, project.role


def _role_and_reads(user, project_id: str, reads: dict) -> tuple[str | None, list]:
    """The user's role in the project (None without a membership) and the values of
    `reads`: every API call asks, so one short statement, written once."""
    if user.is_superuser and not reads:
        return role_of(user, None), []
    with prepared_cursor() as cursor:
        cursor.execute(_role_sql(tuple(sql for sql, _params in reads.values())),
                       [project_id, user.pk, *(p for _sql, params in reads.values() for p in params)])
        role, *values = cursor.fetchone()
    return role_of(user, role), values


@functools.cache
def _role_sql(read_sqls: tuple[str, ...]) -> str:
    role = (f"SELECT {column(Membership, 'role')} FROM {table(Membership)} "
            f"WHERE {column(Membership, 'project')} = %s AND {column(Membership, 'user')} = %s")
    return f"SELECT ({role})" + "".join(f", ({sql})" for sql in read_sqls)


def member_with_role(user_id, project_id: str, *reads: tuple[str, list]):
    """The user's row, the project, their role in it and the values of `reads`, in one
    statement.

    For the paths every open tab asks for again and again (the counter's poll, the
    Failed Tasks dialog): signing the person in, checking their access and reading
    what the page shows cost one query between them (the row goes to Django's
    session check through prefetched_user). The rule is project_for's: a superuser
    is admin of every project that exists, anyone else has the role of their
    membership. Returns (user or None, project or None, role or None, [the value of
    each read: an SQL scalar expression and its parameters]).
    """
    if not PROJECT_ID.fullmatch(str(project_id)):
        project_id = ""  # matches no project (and keeps a NUL away from PostgreSQL)
    # The same text for every poll of a service: compiled once.
    sql = _member_sql(tuple(read_sql for read_sql, _params in reads))
    with prepared_cursor() as cursor:
        cursor.execute(sql, [Role.ADMIN.value, *(p for _sql, params in reads for p in params),
                             project_id, user_id])
        row = cursor.fetchone()
    if row is None:
        return None, None, None, [None] * len(reads)
    user_model = get_user_model()
    user_fields = [f.attname for f in user_model._meta.concrete_fields]
    project_fields = [f.attname for f in Project._meta.concrete_fields]
    user = user_model.from_db(connection.alias, user_fields, row[: len(user_fields)])
    project_row = row[len(user_fields): len(user_fields) + len(project_fields)]
    project = (Project.from_db(connection.alias, project_fields, project_row)
               if project_row[0] is not None else None)
    role_at = len(user_fields) + len(project_fields)
    return user, project, row[role_at], list(row[role_at + 1:])


@functools.cache
def _member_sql(read_sqls: tuple[str, ...]) -> str:
    user = get_user_model()
    user_pk = column(user, user._meta.pk.name)
    project_pk = column(Project, "id")
    columns = ", ".join(
        [f"u.{column(user, f.name)}" for f in user._meta.concrete_fields]
        + [f"p.{column(Project, f.name)}" for f in Project._meta.concrete_fields])
    return (
        f"SELECT {columns}, "
        f"CASE WHEN p.{project_pk} IS NULL THEN NULL "
        f"WHEN u.{column(user, 'is_superuser')} THEN %s "
        f"ELSE m.{column(Membership, 'role')} END"
        + "".join(f", ({read_sql})" for read_sql in read_sqls) + " "
        f"FROM {table(user)} u "
        f"LEFT JOIN {table(Project)} p ON p.{project_pk} = %s "
        f"LEFT JOIN {table(Membership)} m ON m.{column(Membership, 'project')} = "
        f"p.{project_pk} AND m.{column(Membership, 'user')} = u.{user_pk} "
        f"WHERE u.{user_pk} = %s"
    )


def check_role(role: str, need: str) -> None:
    if not Role(role).allows(need):
        raise NotAllowed(
            _("Your role in this project (%(role)s) does not allow that.")
            % {"role": Role(role).label}
        )


def reviewed_projects(user, refusal: str) -> list[Project]:
    """The projects whose failures and audit the user reviews (admin of them; every
    project for a superuser), with their regions; NotAllowed(refusal) when none."""
    projects = list(Project.objects.administered_by(user).select_related("region"))
    if not projects:
        raise NotAllowed(refusal)
    return projects
