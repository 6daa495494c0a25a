"""How tasks read to a person: operation names and statuses, in both languages."""

from django.utils.translation import gettext_lazy as _

from failedtasks.models import Category, FailureStatus, TaskStatus

# job_type as the services report it -> the operation's name in the console.
JOB_TYPE_LABELS = {
    "createServer": _("Create server"),
    "deleteServer": _("Delete server"),
    "resizeServer": _("Change specifications"),
    "startServer": _("Start server"),
    "stopServer": _("Stop server"),
    "rebootServer": _("Restart server"),
    "createCluster": _("Create cluster"),
    "scaleOutCluster": _("Scale out cluster"),
    "restartCluster": _("Restart cluster"),
    "restoreCluster": _("Restore cluster"),
    "createSnapshot": _("Create snapshot"),
    "restoreSnapshot": _("Restore snapshot"),
    "createServerGroup": _("Create protection group"),
    "deleteServerGroup": _("Delete protection group"),
    "createProtectedInstance": _("Create protected instance"),
    "deleteProtectedInstance": _("Delete protected instance"),
    "attachReplication": _("Attach replication pair"),
    "detachReplication": _("Detach replication pair"),
    "expandReplication": _("Expand replication pair"),
    "startServerGroup": _("Enable protection"),
    "stopServerGroup": _("Disable protection"),
    "reverseServerGroup": _("Planned failover"),
    "failoverServerGroup": _("Failover"),
    "reprotectServerGroup": _("Re-enable protection"),
    "createDisasterRecoveryDrill": _("Create DR drill"),
    "resetKeypair": _("Reset key pair"),
    "replaceKeypair": _("Replace key pair"),
    "bindKeypair": _("Bind key pair"),
    "unbindKeypair": _("Unbind key pair"),
}


def job_label(job_type: str) -> str:
    return JOB_TYPE_LABELS.get(job_type, job_type)


def status_label(task) -> str:
    if task.status == TaskStatus.RUNNING:
        return _("Creating") if task.category == Category.CREATION else _("Running")
    if task.failure_status in FailureStatus.values:
        return FailureStatus(task.failure_status).label
    return TaskStatus.FAIL.label
