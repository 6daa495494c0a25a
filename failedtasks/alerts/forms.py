"""The Create rule form: what a rule watches, when it fires, where it posts."""

from django import forms
from django.utils.translation import gettext_lazy as _

from console.tenancy.cloud_services import Service
from failedtasks.alerts.models import MAX_THRESHOLD, MAX_WINDOW_MINUTES, AlertRule
from failedtasks.alerts.targets import MAX_URL_LENGTH, TargetRefused, check_url

SECRET_MIN, SECRET_MAX = 16, 200


class AlertRuleForm(forms.Form):
    project = forms.ChoiceField(label=_("Project"))
    service = forms.ChoiceField(
        label=_("Service"), required=False,
        choices=[("", _("All services")), *Service.choices],
    )
    error_code = forms.CharField(
        label=_("Error code (optional)"), required=False,
        max_length=AlertRule._meta.get_field("error_code").max_length,
        help_text=_("Exactly as recorded, for example Ecs.0013. Empty: any error code."),
    )
    threshold = forms.IntegerField(
        label=_("Failures"), initial=1, min_value=1, max_value=MAX_THRESHOLD,
    )
    window_minutes = forms.IntegerField(
        label=_("Within (minutes)"), initial=5, min_value=1, max_value=MAX_WINDOW_MINUTES,
    )
    target_url = forms.CharField(
        label=_("Target URL"), max_length=MAX_URL_LENGTH,
        help_text=_("An http:// or https:// address that accepts a JSON POST."),
    )
    secret = forms.CharField(
        label=_("Secret"), min_length=SECRET_MIN, max_length=SECRET_MAX, strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("At least 16 characters. Every delivery is signed with it "
                    "(X-Signature-256); it is not shown again."),
    )

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.projects = {project.pk: project for project in projects}
        self.fields["project"].choices = [(p.pk, p.name) for p in projects]

    def clean_project(self):
        return self.projects[self.cleaned_data["project"]]  # choices already checked it

    def clean_error_code(self):
        return self.cleaned_data["error_code"].strip()

    def clean_target_url(self):
        url = self.cleaned_data["target_url"].strip()
        try:
            check_url(url)
        except TargetRefused as refused:
            raise forms.ValidationError(refused.message, code=refused.reason)
        return url

    def clean_secret(self):
        secret = self.cleaned_data["secret"]
        if not secret.isprintable() or secret != secret.strip():
            raise forms.ValidationError(
                _("Use printable characters without leading or trailing spaces."))
        return secret
