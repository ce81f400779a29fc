"""
Django's own form messages, listed so that ``makemessages`` keeps them in the portal's catalogue.

The portal's Vietnamese catalogue overrides Django's wording of these messages with the terms
civil servants use (a catalogue of the project comes before Django's in ``LOCALE_PATHS``).
Nothing imports this module; it exists for the message extractor.
"""
from django.utils.translation import gettext_noop

DJANGO_FORM_MESSAGES = [
    gettext_noop("This field is required."),
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("Select a valid choice. That choice is not one of the available choices."),
    gettext_noop("Enter a valid date."),
    gettext_noop("Enter a whole number."),
    gettext_noop("The submitted file is empty."),
    gettext_noop("Enter a list of values."),
]
