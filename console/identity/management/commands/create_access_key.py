import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from console.identity.credentials import MAX_ACCESS_KEYS, TooManyAccessKeys, create_access_key
from console.identity.models import AccessKey

DESCRIPTION_MAX_LENGTH = AccessKey._meta.get_field("description").max_length


class Command(BaseCommand):
    help = (
        "Create an access key (AK/SK) for USERNAME and print it as one line of JSON: "
        '{"access_key": "...", "secret_key": "..."}. The secret key is shown only this once.'
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="The user who will own the access key.")
        parser.add_argument(
            "--description", default="", metavar="TEXT",
            help=f"What the key is for (at most {DESCRIPTION_MAX_LENGTH} characters).",
        )

    def handle(self, *args, username: str, description: str, **options):
        description = description.strip()
        if len(description) > DESCRIPTION_MAX_LENGTH:
            raise CommandError(
                f"The description is {len(description)} characters long; "
                f"at most {DESCRIPTION_MAX_LENGTH} are allowed."
            )
        users = get_user_model()
        try:
            user = users.objects.get_by_natural_key(username)
        except users.DoesNotExist:
            raise CommandError(f'There is no user named "{username}".')
        if not user.is_active:
            raise CommandError(
                f'The user "{username}" is inactive; activate the account before giving it keys.'
            )
        try:
            key, secret = create_access_key(user, description)
        except TooManyAccessKeys:
            raise CommandError(
                f'The user "{username}" already has {MAX_ACCESS_KEYS} access keys, the most '
                "allowed. Delete one (in the console, under My Credentials) to create another."
            )
        # stdout carries the JSON alone, so scripts can parse it (errors go to stderr).
        self.stdout.write(json.dumps({"access_key": key.access_key, "secret_key": secret}))
