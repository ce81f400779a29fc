"""
python manage.py secrets_rotate [--dry-run]

Re-encrypts every stored secret (every EncryptedTextField of every model) with the first key of
FIELD_ENCRYPTION_KEYS, so that older keys can then be removed. Prints one line per model.
"""
from django.apps import apps
from django.core.management.base import BaseCommand

from egov.core.crypto import EncryptedTextField, reset_keys
from egov.core.db import service_atomic


class Command(BaseCommand):
    help = "Re-encrypt stored secrets with the current (first) FIELD_ENCRYPTION_KEYS key."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, dry_run=False, **options):
        reset_keys()
        for model in apps.get_models():
            names = [f.name for f in model._meta.get_fields() if isinstance(f, EncryptedTextField)]
            if not names:
                continue
            done = 0
            with service_atomic():
                # Reading decrypts with any configured key; writing encrypts with the first one.
                for pk, *values in model.objects.select_for_update().values_list("pk", *names):
                    if not dry_run:
                        model.objects.filter(pk=pk).update(**dict(zip(names, values)))
                    done += 1
            self.stdout.write(f"{model._meta.label}: {', '.join(names)}: {done} rows"
                              + (" (dry run)" if dry_run else ""))
