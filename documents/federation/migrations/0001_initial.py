"""
The federation app takes over its models from the documents app. State only: the tables
(documents_peer, documents_inboundpackage, documents_statusoutbox, documents_pullitem) and
their rows stay as they are.
"""

import django.db.models.deletion
import uuid
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('documents', '0007_audit_notifications_federation_moved_out'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Peer',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.SlugField(help_text='Matches the peer system reference of its units.', max_length=100, unique=True, verbose_name='code')),
                        ('name', models.CharField(max_length=200, verbose_name='name')),
                        ('base_url', models.URLField(blank=True, help_text='Root of its federation endpoints, e.g. https://peer.example.vn', max_length=300, verbose_name='base URL')),
                        ('mode', models.CharField(choices=[('push', 'Push (we POST to its receive endpoint)'), ('pull', 'Pull (it polls our pull endpoints)')], default='push', max_length=4, verbose_name='mode')),
                        ('inbound_secret', models.CharField(blank=True, help_text='HMAC key the peer signs its requests to this portal with.', max_length=200, verbose_name='secret of its requests')),
                        ('outbound_secret', models.CharField(blank=True, help_text='HMAC key this portal signs its requests to the peer with.', max_length=200, verbose_name='secret of our requests')),
                        ('remote_code', models.CharField(blank=True, help_text='How the peer knows this portal; FEDERATION_PEER_CODE when empty.', max_length=100, verbose_name='our code at the peer')),
                        ('client_cert_sha256', models.CharField(blank=True, help_text="When set, requests must come over mutual TLS with this certificate (checked from the proxy's header).", max_length=64, verbose_name='client certificate SHA-256')),
                        ('signing_certificate', models.TextField(blank=True, verbose_name='package signing certificate (PEM)')),
                        ('require_signature', models.BooleanField(default=False, verbose_name='require signed packages')),
                        ('enabled', models.BooleanField(default=True, verbose_name='enabled')),
                        ('stream_lease_until', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='stream busy until')),
                        ('stream_owner', models.CharField(blank=True, editable=False, max_length=64, verbose_name='stream owner')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                    ],
                    options={
                        'verbose_name': 'peer system',
                        'verbose_name_plural': 'peer systems',
                        'db_table': 'documents_peer',
                        'ordering': ['code'],
                    },
                ),
                migrations.CreateModel(
                    name='InboundPackage',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('consignment_id', models.CharField(blank=True, max_length=64, verbose_name='consignment id')),
                        ('document_id', models.CharField(blank=True, db_index=True, max_length=100, verbose_name='DocumentId')),
                        ('kind', models.CharField(blank=True, choices=[('document', 'Document'), ('status', 'Status')], max_length=8, verbose_name='kind')),
                        ('status_code', models.CharField(blank=True, max_length=2, verbose_name='status code')),
                        ('received_at', models.DateTimeField(auto_now_add=True, verbose_name='received at')),
                        ('result', models.CharField(choices=[('accepted', 'Accepted'), ('duplicate', 'Duplicate'), ('fault', 'Fault')], max_length=10, verbose_name='result')),
                        ('code', models.CharField(blank=True, max_length=40, verbose_name='answer code')),
                        ('message', models.CharField(blank=True, max_length=1000, verbose_name='message')),
                        ('size', models.PositiveBigIntegerField(default=0, verbose_name='size')),
                        ('sha256', models.CharField(blank=True, max_length=64, verbose_name='SHA-256')),
                        ('signed_by', models.CharField(blank=True, max_length=300, verbose_name='signed by')),
                        ('stored_document', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='documents.document', verbose_name='document')),
                        ('peer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='inbound_packages', to='federation.peer', verbose_name='peer')),
                    ],
                    options={
                        'verbose_name': 'received package',
                        'verbose_name_plural': 'received packages',
                        'db_table': 'documents_inboundpackage',
                        'ordering': ['-received_at', '-pk'],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('result', 'accepted'), models.Q(('consignment_id', ''), _negated=True)), fields=('peer', 'consignment_id'), name='documents_inboundpackage_unique_accepted_consignment')],
                    },
                ),
                migrations.CreateModel(
                    name='PullItem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('document', 'Document'), ('status', 'Status')], max_length=8, verbose_name='kind')),
                        ('consignment_id', models.UUIDField(unique=True, verbose_name='consignment id')),
                        ('document_id', models.CharField(blank=True, max_length=100, verbose_name='DocumentId')),
                        ('state', models.CharField(choices=[('pending', 'Waiting to be fetched'), ('fetched', 'Fetched'), ('done', 'Done'), ('failed', 'Failed')], default='pending', max_length=8, verbose_name='state')),
                        ('fetch_count', models.PositiveSmallIntegerField(default=0, verbose_name='fetches')),
                        ('ack_note', models.CharField(blank=True, max_length=1000, verbose_name='acknowledgement note')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('acked_at', models.DateTimeField(blank=True, null=True, verbose_name='acknowledged at')),
                        ('dispatch', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='documents.dispatch', verbose_name='dispatch')),
                        ('event', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='documents.dispatchevent', verbose_name='status event')),
                        ('peer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='pull_items', to='federation.peer', verbose_name='peer')),
                    ],
                    options={
                        'verbose_name': 'package to be pulled',
                        'verbose_name_plural': 'packages to be pulled',
                        'db_table': 'documents_pullitem',
                        'ordering': ['peer', 'pk'],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('dispatch__isnull', False), ('event__isnull', True)), models.Q(('dispatch__isnull', True), ('event__isnull', False)), _connector='OR'), name='documents_pullitem_dispatch_xor_event')],
                    },
                ),
                migrations.CreateModel(
                    name='StatusOutbox',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('consignment_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name='consignment id')),
                        ('state', models.CharField(choices=[('pending', 'Pending'), ('retrying', 'Retrying'), ('sent', 'Sent'), ('failed', 'Failed')], default='pending', max_length=10, verbose_name='state')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('next_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='next attempt')),
                        ('last_error', models.TextField(blank=True, verbose_name='last error')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                        ('event', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='documents.dispatchevent', verbose_name='status event')),
                        ('peer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='status_outbox', to='federation.peer', verbose_name='peer')),
                    ],
                    options={
                        'verbose_name': 'outgoing status',
                        'verbose_name_plural': 'outgoing statuses',
                        'db_table': 'documents_statusoutbox',
                        'ordering': ['peer', 'pk'],
                        'indexes': [models.Index(condition=models.Q(('state__in', ['pending', 'retrying'])), fields=['peer', 'state'], name='documents_statusoutbox_queue')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
