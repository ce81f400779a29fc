"""
``manage.py db_grant_runtime --role egov_app [--print]``: give the runtime database role of the
portal exactly what it needs, and no more (PostgreSQL; docs/security.md "Database roles").

Run it as the owner of the tables (the role that runs ``migrate``) after every ``migrate``:

- the runtime role may read and write the application's tables and use their sequences;
- on the append-only tables (``DB_APPEND_ONLY_TABLES``: the audit trail, its checkpoints, …) it
  may only SELECT and INSERT: no UPDATE, DELETE, TRUNCATE or TRIGGER, and, not being the owner,
  it cannot ALTER the table (DISABLE/DROP the append-only trigger) either;
- ``django_migrations`` is read-only for it (only the owner migrates).

``--print`` writes the SQL instead of running it (for a DBA).
"""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction


def runtime_grants_sql(role: str) -> list[str]:
    q = connection.ops.quote_name
    r = q(role)
    statements = [
        f"GRANT CONNECT ON DATABASE {q(connection.settings_dict['NAME'])} TO {r}",
        f"GRANT USAGE ON SCHEMA public TO {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}",
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {r}",
        f"REVOKE INSERT, UPDATE, DELETE ON {q('django_migrations')} FROM {r}",
    ]
    from egov.core.partitions import partitions_list

    for table in settings.DB_APPEND_ONLY_TABLES:
        # h17: a partitioned table's partitions are tables too (the runtime role uses the parent).
        for part in [table] + [name for name, _bound in partitions_list(table)]:
            statements.append(f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {q(part)} FROM {r}")
            statements.append(f"GRANT SELECT, INSERT ON {q(part)} TO {r}")
    return statements


class Command(BaseCommand):
    help = "Grant the runtime database role its privileges (append-only tables: SELECT and INSERT only)."

    def add_arguments(self, parser):
        parser.add_argument("--role", default=settings.DB_RUNTIME_ROLE, help="the runtime role (DB_RUNTIME_ROLE)")
        parser.add_argument("--print", action="store_true", dest="print_only", help="print the SQL only")

    def handle(self, *args, role: str, print_only: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError("database roles are a PostgreSQL matter (SQLite has none)")
        if not role:
            raise CommandError("name the runtime role (--role or DB_RUNTIME_ROLE)")
        statements = runtime_grants_sql(role)
        if print_only:
            self.stdout.write(";\n".join(statements) + ";")
            return
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
            row = cursor.fetchone()
            if row is None:
                raise CommandError(f"role {role} does not exist (CREATE ROLE {role} LOGIN PASSWORD '…')")
            if row[0]:
                raise CommandError(f"role {role} is a superuser: the runtime role must not be one")
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(f"runtime role {role}: granted ({len(statements)} statements)")
