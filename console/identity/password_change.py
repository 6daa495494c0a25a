"""A changed password revokes the user's API tokens, as Keystone does; access
keys stay valid, as the cloud's do (they are credentials of their own, deleted
in My Credentials).

Django tells every entry of AUTH_PASSWORD_VALIDATORS when a password has changed:
set_password() followed by save(), whether from the admin, the changepassword
command or any other code. This entry is such a listener, not a rule a password
must meet. A hash merely upgraded at sign-in is no change and revokes nothing.
"""

from django.utils.translation import gettext as _

from console.identity.credentials import revoke_tokens_of


class RevokeTokensOnPasswordChange:
    def validate(self, password, user=None):
        return None  # any password will do; this entry only listens

    def password_changed(self, password, user=None):
        if user is not None and user.pk is not None:
            revoke_tokens_of(user)

    def get_help_text(self):
        return _("Changing the password revokes the user's API tokens; access keys stay valid.")
