"""
AuditEvent and Notification now belong to egov.core, and Peer, InboundPackage, StatusOutbox
and PullItem to the federation app. State only: no table is dropped or renamed.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('documents', '0006_incoming_search_trigram'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='inboundpackage',
                    name='peer',
                ),
                migrations.RemoveField(
                    model_name='inboundpackage',
                    name='stored_document',
                ),
                migrations.RemoveField(
                    model_name='notification',
                    name='unit',
                ),
                migrations.RemoveField(
                    model_name='notification',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='statusoutbox',
                    name='peer',
                ),
                migrations.RemoveField(
                    model_name='pullitem',
                    name='peer',
                ),
                migrations.RemoveField(
                    model_name='pullitem',
                    name='dispatch',
                ),
                migrations.RemoveField(
                    model_name='pullitem',
                    name='event',
                ),
                migrations.RemoveField(
                    model_name='statusoutbox',
                    name='event',
                ),
                migrations.DeleteModel(
                    name='AuditEvent',
                ),
                migrations.DeleteModel(
                    name='InboundPackage',
                ),
                migrations.DeleteModel(
                    name='Notification',
                ),
                migrations.DeleteModel(
                    name='Peer',
                ),
                migrations.DeleteModel(
                    name='PullItem',
                ),
                migrations.DeleteModel(
                    name='StatusOutbox',
                ),
            ],
            database_operations=[],
        ),
    ]
