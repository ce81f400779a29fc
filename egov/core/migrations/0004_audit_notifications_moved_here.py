"""
The audit trail and notifications move from the documents app to the base layer (egov.core,
label "egov"). State only: the tables keep their names (documents_auditevent,
documents_notification), their rows, indexes and the PostgreSQL append-only trigger.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('documents', '0006_incoming_search_trigram'),
        ('egov', '0003_api_clients_webhooks'),
        ('units', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AuditEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='time')),
                        ('verb', models.CharField(db_index=True, max_length=64, verbose_name='action')),
                        ('object_type', models.CharField(max_length=64, verbose_name='object type')),
                        ('object_id', models.CharField(max_length=64, verbose_name='object id')),
                        ('details', models.JSONField(blank=True, default=dict, verbose_name='details')),
                        ('actor', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='actor')),
                        ('unit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='units.unit', verbose_name='unit')),
                    ],
                    options={
                        'verbose_name': 'audit event',
                        'verbose_name_plural': 'audit events',
                        'db_table': 'documents_auditevent',
                        'ordering': ['-at', '-pk'],
                        'indexes': [models.Index(fields=['object_type', 'object_id'], name='documents_audit_object')],
                    },
                ),
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(max_length=40, verbose_name='kind')),
                        ('text', models.CharField(max_length=500, verbose_name='text')),
                        ('object_type', models.CharField(blank=True, max_length=40)),
                        ('object_id', models.BigIntegerField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                        ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='read at')),
                        ('emailed_at', models.DateTimeField(blank=True, null=True, verbose_name='e-mailed at')),
                        ('unit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='units.unit', verbose_name='unit')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                    ],
                    options={
                        'verbose_name': 'notification',
                        'verbose_name_plural': 'notifications',
                        'db_table': 'documents_notification',
                        'ordering': ['-created_at', '-pk'],
                        'indexes': [models.Index(fields=['user', 'read_at'], name='documents_notif_user_unread')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
