from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "failedtasks.alerts"
    label = "alerts"  # as before it moved under failedtasks: its tables and migrations
    verbose_name = "Alerts"

    def ready(self):
        from failedtasks.alerts.scheduling import count_recorded_failure
        from failedtasks.signals import failure_recorded

        # Every door that records failures goes through failedtasks.services, which
        # sends this signal: one receiver counts them into the rules' windows.
        failure_recorded.connect(count_recorded_failure, dispatch_uid="alerts.count")
