from django.contrib.auth import views as auth_views
from django.urls import path

from console.identity import credentials_views, keystone
from console.identity.forms import ThrottledAuthenticationForm
from console.lib.views import confirm_then_act

urlpatterns = [
    # Sign-in and sign-out
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # My Credentials
    path("console/credentials/", credentials_views.credentials, name="credentials"),
    path(
        "console/credentials/access-keys/create/",
        credentials_views.create_key,
        name="access-key-create",
    ),
    # Delete an access key: GET shows the confirmation, POST deletes
    path(
        "console/credentials/access-keys/<int:key_id>/delete/",
        confirm_then_act(credentials_views.confirm_delete_key, credentials_views.delete_key),
        name="access-key-delete",
    ),
    path(
        "console/credentials/tokens/<int:token_id>/revoke/",
        credentials_views.revoke_token,
        name="api-token-revoke",
    ),
    # Keystone v3: tokens and project look-up
    path("v3/auth/tokens", keystone.Tokens.as_view(), name="keystone-tokens"),
    path("v3/projects", keystone.Projects.as_view(), name="keystone-projects"),
]
