"""
Texts the portal writes into the database (notifications, timeline notes) are stored as a
message *code* with *parameters*, not as a sentence in the language of whoever caused them,
and rendered when read, in the reader's language (gettext):

    ARRIVED = define("documents.incoming.arrived", gettext_noop("New incoming document %(number)s: %(subject)s"))
    note = ARRIVED(number="12/UBND-VP", subject=doc.subject)      # a Msg
    row.message_code, row.message_params = note.code, note.params  # stored
    render(row.message_code, row.message_params, fallback=row.text)  # shown, in the active language

A parameter is a plain value (text written by people — subjects, names, reasons — is shown as
written), a date (stored as an ISO date, shown in the reader's way of writing dates), another ``Msg`` (e.g. "Revoked by …" inside "… : subject") or a ``Label`` of a choice
(a status, a request kind), each rendered in the reader's language too. Apps define their codes
in their own ``messages`` module, imported by their AppConfig.ready(); a row whose code is
unknown or blank (rows written before codes existed) shows its stored text.
"""
from __future__ import annotations

import datetime
import importlib
import logging
from collections.abc import Mapping
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext

__all__ = ["Msg", "Label", "MessageDef", "define", "define_choices", "render", "to_params", "message_fields",
           "render_in", "legacy_fill"]

log = logging.getLogger(__name__)

_MESSAGES: dict[str, str] = {}
_CHOICES: dict[str, type] = {}


class Msg:
    """A message code with its parameters; ``str()`` renders it in the active language."""

    __slots__ = ("code", "params")

    def __init__(self, code: str, params: Mapping[str, Any] | None = None):
        if code not in _MESSAGES:
            raise KeyError(f"unknown message code {code!r} (define it in the app's messages module)")
        self.code = code
        self.params = to_params(params or {})

    def __str__(self) -> str:
        return render(self.code, self.params)

    def __repr__(self) -> str:
        return f"Msg({self.code!r}, {self.params!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Msg) and (self.code, self.params) == (other.code, other.params)

    def __hash__(self) -> int:
        return hash(self.code)


class Label:
    """The label of one value of a registered choices class (e.g. a status), in the reader's language."""

    __slots__ = ("choices", "value")

    def __init__(self, choices: str, value):
        if choices not in _CHOICES:
            raise KeyError(f"unknown choices {choices!r} (register it with define_choices)")
        self.choices, self.value = choices, value

    def __str__(self) -> str:
        return _label(self.choices, self.value)


class MessageDef:
    """A defined code: call it with the parameters to get a ``Msg``."""

    __slots__ = ("code", "msgid")

    def __init__(self, code: str, msgid: str):
        self.code, self.msgid = code, msgid

    def __call__(self, **params) -> Msg:
        return Msg(self.code, params)


def define(code: str, msgid: str) -> MessageDef:
    """Register ``code`` for the English source text ``msgid`` (marked with gettext_noop by the caller)."""
    if _MESSAGES.get(code, msgid) != msgid:
        raise ValueError(f"message code {code!r} is already defined with another text")
    _MESSAGES[code] = msgid
    return MessageDef(code, msgid)


def define_choices(name: str, choices: type) -> str:
    """Register a Django choices class whose labels may be message parameters (``Label(name, value)``)."""
    _CHOICES[name] = choices
    return name


def _label(name: str, value) -> str:
    choices = _CHOICES.get(name)
    if choices is None:
        return str(value)
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def to_params(params: Mapping[str, Any]) -> dict:
    """The JSON form of parameters: nested messages and labels become small tagged objects."""
    out = {}
    for key, value in params.items():
        if isinstance(value, Msg):
            out[key] = {"$msg": value.code, "params": value.params}
        elif isinstance(value, Label):
            out[key] = {"$label": value.choices, "value": value.value}
        elif isinstance(value, datetime.datetime):
            out[key] = {"$date": timezone.localdate(value).isoformat() if timezone.is_aware(value)
                        else value.date().isoformat()}
        elif isinstance(value, datetime.date):
            out[key] = {"$date": value.isoformat()}
        elif value is None or isinstance(value, (bool, int, float)):
            out[key] = value
        else:
            out[key] = str(value)
    return out


def _param(value):
    if isinstance(value, dict):
        if "$msg" in value:
            return render(value["$msg"], value.get("params") or {})
        if "$label" in value:
            return _label(value["$label"], value.get("value"))
        if "$date" in value:
            return _date(value["$date"])
    return value


# How a date parameter reads, by language: Vietnamese readers write dd/mm/yyyy (as every page of
# the portal shows dates); English readers get the month's name, which no reader can misread.
DATE_FORMATS = {"vi": "d/m/Y"}
DEFAULT_DATE_FORMAT = "j M Y"


def _date(iso: str) -> str:
    from django.utils.dateformat import format as date_format

    try:
        day = datetime.date.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    language = (translation.get_language() or "vi").split("-")[0]
    return date_format(day, DATE_FORMATS.get(language, DEFAULT_DATE_FORMAT))


def render(code: str, params: Mapping[str, Any] | None, *, fallback: str = "") -> str:
    """The message in the active language; ``fallback`` (the stored text) when the code is blank or unknown."""
    msgid = _MESSAGES.get(code or "")
    if msgid is None:
        if code:
            log.warning("unknown message code %s: showing the stored text", code)
        return fallback
    try:
        return gettext(msgid) % {k: _param(v) for k, v in (params or {}).items()}
    except (KeyError, TypeError, ValueError):
        log.warning("message %s does not fit its parameters: showing the stored text", code)
        return fallback or msgid


def render_in(language: str, code: str, params, *, fallback: str = "") -> str:
    with translation.override(language):
        return render(code, params, fallback=fallback)


def message_fields(text, *, language: str | None = None, limit: int = 500) -> dict:
    """
    The stored form of ``text`` (a ``Msg`` or a plain string written by a person): the code, the
    parameters and the text rendered in the portal's language (kept for old readers, search and
    the admin).
    """
    from django.conf import settings

    if isinstance(text, Msg):
        rendered = render_in(language or settings.LANGUAGE_CODE, text.code, text.params)
        return {"code": text.code, "params": text.params, "text": rendered[:limit]}
    return {"code": "", "params": {}, "text": str(text or "")[:limit]}


def load(module: str) -> None:
    """Import an app's messages module (from its AppConfig.ready)."""
    importlib.import_module(module)


def legacy_fill(model, text_field: str, code_field: str, params_field: str, codes, *, batch: int = 2000) -> int:
    """
    For the data migrations: give the rows of ``model`` that have no code yet and whose text reads
    as one of ``codes`` (``legacy_parse``) their code and parameters, in batches; returns how many.
    """
    changed, count = [], 0
    rows = model.objects.filter(**{code_field: ""}).exclude(**{text_field: ""}).only("pk", text_field)
    for row in rows.iterator(chunk_size=batch):
        found = legacy_parse(getattr(row, text_field), codes)
        if found:
            setattr(row, code_field, found[0])
            setattr(row, params_field, found[1])
            changed.append(row)
        if len(changed) >= batch:
            model.objects.bulk_update(changed, [code_field, params_field])
            count, changed = count + len(changed), []
    if changed:
        model.objects.bulk_update(changed, [code_field, params_field])
    return count + len(changed)


def legacy_parse(text: str, codes, languages=("vi", "en")):
    """
    (code, params) for a sentence written before codes existed, when it reads as one of ``codes``
    (whose parameters are all plain text or numbers) in one of ``languages``; None otherwise.
    Used by the data migrations: old rows become readable in every language when they can be
    recognised, and keep their stored text when not.
    """
    import re

    for language in languages:
        for code in codes:
            with translation.override(language):
                template = gettext(_MESSAGES[code])
            names = []

            def group(m, names=names):
                names.append((m.group(1), m.group(2)))
                return r"(\d+)" if m.group(2) == "d" else r"(.+?)"

            pattern = re.sub(r"%\\\((\w+)\\\)([sd])", group, re.escape(template))
            found = re.fullmatch(pattern, text or "", flags=re.S)
            if found:
                return code, {name: int(v) if kind == "d" else v for (name, kind), v in zip(names, found.groups())}
    return None
