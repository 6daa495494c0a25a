"""The signed-in member of a project, for the pages every open tab asks for again and
again (the counter's poll, the Failed Tasks dialog): the session's user, checked by
Django as on every page, with their role in the project, the project and the values
the page shows, read by one statement (console.tenancy.scoping.member_with_role)."""

from console.identity import sessions
from console.identity.auth_backends import prefetched_user, session_user_id, user_id_in
from console.lib.errors import NotFound
from console.tenancy.models import Role
from console.tenancy.scoping import NO_SUCH_PROJECT, check_role, member_with_role


def signed_in_member(request, project_id: str, *reads: tuple[str, list],
                     need: str = Role.VIEWER):
    """project_for for the hottest pages, with Django's session check on the same row:
    (project, role, the value of each read), or None when nobody is signed in (the
    caller sends them to sign in). Outside the user's projects it is a 404 and a role
    below `need` a 403, as project_for answers.

    One statement when this process knows the session's data (console.identity.sessions):
    the user's id is read from it, and the statement reads the session's row beside
    the rest, to check that the row still holds that data. Otherwise, or when the row
    has changed, the session is read first, as Django reads it, then the statement."""
    member = _member_on_remembered_session(request.session, project_id, reads)
    if member is None:
        member = None, None, None, [None] * len(reads)
        user_id = session_user_id(request)
        if user_id is not None:
            member = member_with_role(user_id, project_id, *reads)
    user, project, role, values = member
    with prefetched_user(user):
        if not request.user.is_authenticated:  # Django's session check, on that row
            return None
    if project is None or role is None:
        raise NotFound(str(NO_SUCH_PROJECT))
    check_role(role, need)
    project.role = role
    return project, role, *values


def _member_on_remembered_session(session, project_id: str, reads):
    """member_with_role with the session's row read beside, when this process remembers
    the session's data and the row still holds exactly it; else None (a row that has
    changed is forgotten)."""
    known = sessions.remembered(session.session_key)
    if known is None:
        return None
    data = session.decode(known)  # Django's signature check, as on any read
    user_id = user_id_in(data)
    if user_id is None:
        return None
    user, project, role, values = member_with_role(
        user_id, project_id, *reads, sessions.stored_data_in_sql(session.session_key))
    if values.pop() != known:
        sessions.forget(session.session_key)
        return None
    session.take(data)
    return user, project, role, values
