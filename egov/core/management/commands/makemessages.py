"""
``makemessages`` that also collects ``N_("…")``: the message codes of stored texts
(``egov.core.messages.define``) mark their sentences with ``gettext_noop`` imported as ``N_``,
which xgettext does not know by default.
"""
from django.core.management.commands.makemessages import Command as MakeMessagesCommand


class Command(MakeMessagesCommand):
    xgettext_options = [*MakeMessagesCommand.xgettext_options, "--keyword=N_"]
