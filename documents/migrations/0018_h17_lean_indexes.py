"""
h17: fewer indexes written per delivered row. Single-column indexes a composite index already
starts with are dropped (dispatch.document, incoming.unit, search entry.document); foreign keys
that are empty when a row is written are indexed only where set (partial indexes).
On a large database the partial indexes are built by one scan each (docs/operations.md).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

_DROPPED = [  # the names Django gave these indexes (the same on every database it created)
    ("documents_dispatch_addressed_to_id_6522226c", "documents_dispatch", "addressed_to_id"),
    ("documents_dispatch_document_id_79e30070", "documents_dispatch", "document_id"),
    ("documents_dispatchevent_actor_id_8e15be80", "documents_dispatchevent", "actor_id"),
    ("documents_incomingrecord_accepted_by_id_cf6f6ee6", "documents_incomingrecord", "accepted_by_id"),
    ("documents_incomingrecord_main_handler_id_4e718e61", "documents_incomingrecord", "main_handler_id"),
    ("documents_incomingrecord_register_id_ed5c5be0", "documents_incomingrecord", "register_id"),
    ("documents_incomingrecord_reply_document_id_97945d05", "documents_incomingrecord", "reply_document_id"),
    ("documents_incomingrecord_unit_id_6190a058", "documents_incomingrecord", "unit_id"),
    ("documents_searchentry_document_id_0d3138a1", "documents_searchentry", "document_id"),
]


class Migration(migrations.Migration):

    dependencies = [
        ('documents', '0017_h15c_extension_note_code'),
        ('signatures', '0002_personal_signing'),
        ('units', '0007_h15c_message_codes_legacy'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The foreign keys stay as they are: only their single-column indexes go (altering the
        # fields would drop and re-validate every constraint, a scan of the biggest tables).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='dispatch',
                    name='addressed_to',
                    field=models.ForeignKey(blank=True, db_index=False, help_text='The unit the sender picked, when it no longer existed and its successor received instead.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='units.unit', verbose_name='addressed to'),
                ),
                migrations.AlterField(
                    model_name='dispatch',
                    name='document',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='dispatches', to='documents.document', verbose_name='document'),
                ),
                migrations.AlterField(
                    model_name='dispatchevent',
                    name='actor',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='actor'),
                ),
                migrations.AlterField(
                    model_name='incomingrecord',
                    name='accepted_by',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='accepted by'),
                ),
                migrations.AlterField(
                    model_name='incomingrecord',
                    name='main_handler',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='main handler'),
                ),
                migrations.AlterField(
                    model_name='incomingrecord',
                    name='register',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='incoming_records', to='documents.register', verbose_name='register'),
                ),
                migrations.AlterField(
                    model_name='incomingrecord',
                    name='reply_document',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='documents.document', verbose_name='reply document'),
                ),
                migrations.AlterField(
                    model_name='incomingrecord',
                    name='unit',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='incoming', to='units.unit', verbose_name='recipient unit'),
                ),
                migrations.AlterField(
                    model_name='searchentry',
                    name='document',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='documents.document', verbose_name='document'),
                ),
            ],
            database_operations=[migrations.RunSQL(
                [f"DROP INDEX IF EXISTS {name};" for name, _table, _column in _DROPPED],
                reverse_sql=[f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column});"
                             for name, table, column in _DROPPED])],
        ),
        migrations.AddIndex(
            model_name='dispatch',
            index=models.Index(condition=models.Q(('addressed_to__isnull', False)), fields=['addressed_to'], name='documents_dispatch_addressed'),
        ),
        migrations.AddIndex(
            model_name='dispatchevent',
            index=models.Index(condition=models.Q(('actor__isnull', False)), fields=['actor'], name='documents_event_actor'),
        ),
        migrations.AddIndex(
            model_name='incomingrecord',
            index=models.Index(condition=models.Q(('register__isnull', False)), fields=['register'], name='documents_incoming_register'),
        ),
        migrations.AddIndex(
            model_name='incomingrecord',
            index=models.Index(condition=models.Q(('accepted_by__isnull', False)), fields=['accepted_by'], name='documents_incoming_accepted_by'),
        ),
        migrations.AddIndex(
            model_name='incomingrecord',
            index=models.Index(condition=models.Q(('main_handler__isnull', False)), fields=['main_handler'], name='documents_incoming_handler'),
        ),
        migrations.AddIndex(
            model_name='incomingrecord',
            index=models.Index(condition=models.Q(('reply_document__isnull', False)), fields=['reply_document'], name='documents_incoming_reply'),
        ),
    ]
