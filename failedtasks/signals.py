"""What failed-task recording tells the rest of the product.

Other apps (alerts) listen here rather than being called by name, so the
failed-task app never imports the apps built on top of it.
"""

from django.dispatch import Signal

# Sent by failedtasks.services.record_failure inside its transaction, once the
# task is stored and stamped, with `task` and `newly_failed`. `task` holds its
# pk, project, service and the fields reported, but not its revision: that answer
# is read only after the commit. A receiver that needs it reads the project's
# revision row in SQL (the recording holds that row until it commits).
# `newly_failed` is true when this recording is a new failure (a new failed task,
# or a running one now failed), false when it repeats a failure already on record
# or stores a running task. Receivers run in the recording's transaction: what
# they write commits, or rolls back, with the task; they must be quick and must
# not raise.
failure_recorded = Signal()
