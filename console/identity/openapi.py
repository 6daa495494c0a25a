"""How the schema at /api/schema/ describes the ways to authenticate."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class KeystoneTokenScheme(OpenApiAuthenticationExtension):
    target_class = "console.identity.authentication.KeystoneTokenAuthentication"
    name = "KeystoneToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "X-Auth-Token",
                "description": "A token from POST /v3/auth/tokens (the X-Subject-Token header)."}


class SignatureScheme(OpenApiAuthenticationExtension):
    target_class = "console.identity.authentication.SignatureAuthentication"
    name = "AkSkSignature"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=... "
                               "with X-Sdk-Date, as the cloud's SDKs sign with an access key."}


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "console.identity.authentication.BrowserSessionAuthentication"
    name = "BrowserSession"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid",
                "description": "The console's session; unsafe methods also need X-CSRFToken."}
