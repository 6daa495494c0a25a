"""What the failed-task API faces share: the scoped project look-up, the audit
actor, and deletion by job id."""

from django.core.exceptions import PermissionDenied
from rest_framework import exceptions

from console.identity.authentication import Credential, scoped_project_allows
from console.identity.models import Channel
from console.lib.errors import NotFound
from console.tenancy.models import Role
from console.tenancy.scoping import project_for
from failedtasks.actors import Actor
from failedtasks.models import FailedTask
from failedtasks.services import NothingToDelete, delete_task

JOB_ID_LENGTH = FailedTask._meta.get_field("job_id").max_length


def api_project(request, project_id: str, need: str = Role.VIEWER,
                reads: dict[str, tuple[str, list]] | None = None):
    """The project in the URL, if the caller has a role in it (and its token is scoped to
    it), with any `reads` (project_for's) read in the same query."""
    credential = request.auth
    scope, scope_role = (credential.project, credential.role) if isinstance(credential, Credential) \
        else (None, None)
    project, role = project_for(request.user, project_id, need=Role.VIEWER, loaded=scope,
                                loaded_role=scope_role, reads=reads)
    if not scoped_project_allows(request, project):
        raise NotFound("There is no such project, or you have no role in it.")
    if not Role(role).allows(need):
        raise PermissionDenied(f"Your role in this project ({role}) does not allow that.")
    return project


def api_actor(request) -> Actor:
    credential = request.auth
    channel = credential.channel if isinstance(credential, Credential) else Channel.SESSION_API
    return Actor.from_request(request, channel)


def delete_by_job_id(tasks, job_id: str, actor: Actor) -> None:
    """Delete the task with this job id among `tasks`; a 404 when there is none.

    An id longer than any stored one names no task: it is never cut down to a
    prefix that could name another. Nor does one with a NUL, which no recorded id
    holds (and PostgreSQL refuses in a query).
    """
    if len(job_id) > JOB_ID_LENGTH or "\x00" in job_id:
        raise exceptions.NotFound("The failed task does not exist.")
    pk = tasks.filter(job_id=job_id).values_list("pk", flat=True).first()
    try:
        if pk is None:
            raise NothingToDelete(job_id)
        delete_task(tasks, pk, actor)
    except NothingToDelete:
        raise exceptions.NotFound(f"The failed task {job_id} does not exist.")
