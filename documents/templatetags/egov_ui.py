"""Template helpers of the UI: server-side SVG charts (no JavaScript, no CDN) and small formatters."""
from __future__ import annotations

import datetime

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(value):
    """A timedelta as '3 h 05 min' / '12 min' / '40 s' (translated units)."""
    if value is None:
        return "—"
    if not isinstance(value, datetime.timedelta):
        return value
    seconds = int(value.total_seconds())
    if seconds < 60:
        return _("%(s)d s") % {"s": seconds}
    minutes = seconds // 60
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    return _("%(d)d days %(h)d h") % {"d": hours // 24, "h": hours % 24}


@register.simple_tag
def daily_bars(series, title="", width=640, height=180):
    """Vertical bars of (date, count) pairs; every bar has a <title> for screen readers and hover."""
    if not series:
        return ""
    pad_left, pad_bottom, pad_top = 34, 22, 10
    inner_w, inner_h = width - pad_left - 6, height - pad_bottom - pad_top
    top = max(n for _d, n in series) or 1
    step = inner_w / len(series)
    bars = []
    for i, (day, n) in enumerate(series):
        h = inner_h * n / top
        x = pad_left + i * step + 1
        y = pad_top + inner_h - h
        bars.append((f"{x:.1f}", f"{y:.1f}", f"{max(step - 2, 1):.1f}", f"{h:.1f}", day.strftime("%d/%m/%Y"), n))
    rects = format_html_join("", '<rect class="bar" x="{}" y="{}" width="{}" height="{}"><title>{}: {}</title></rect>',
                             bars)
    labels = format_html_join("", '<text class="axis" x="{}" y="{}" text-anchor="middle">{}</text>', [
        (f"{pad_left + i * step + step / 2:.1f}", height - 6, day.strftime("%d/%m"))
        for i, (day, _n) in enumerate(series) if i % 5 == 0 or i == len(series) - 1])
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{t}" preserveAspectRatio="xMidYMid meet">'
        '<line class="grid" x1="{l}" y1="{pt}" x2="{r}" y2="{pt}"/>'
        '<text class="axis" x="{lx}" y="{pty}" text-anchor="end">{top}</text>'
        '<text class="axis" x="{lx}" y="{by}" text-anchor="end">0</text>'
        '<line class="grid" x1="{l}" y1="{b}" x2="{r}" y2="{b}"/>{rects}{labels}</svg>',
        w=width, h=height, t=title, l=pad_left, r=width - 6, pt=pad_top, pty=pad_top + 4, lx=pad_left - 4,
        top=top, by=pad_top + inner_h, b=pad_top + inner_h, rects=rects, labels=labels)


@register.simple_tag
def level_bars(rows, title="", width=640):
    """Horizontal bars of the median acceptance time per unit level."""
    bar_h, gap, label_w = 22, 10, 210
    height = len(rows) * (bar_h + gap) + gap
    values = [r["median"].total_seconds() for r in rows if r["median"] is not None]
    top = max(values) if values else 1
    inner = width - label_w - 110
    parts = []
    for i, r in enumerate(rows):
        y = gap + i * (bar_h + gap)
        secs = r["median"].total_seconds() if r["median"] is not None else 0
        w = max(inner * secs / top, 1) if secs else 0
        parts.append(format_html(
            '<text class="label" x="{}" y="{}" text-anchor="end">{}</text>'
            '<rect class="bar" x="{}" y="{}" width="{}" height="{}"><title>{}: {}</title></rect>'
            '<text class="value" x="{}" y="{}">{}</text>',
            label_w - 8, y + 15, r["label"], label_w, y, f"{w:.1f}", bar_h, r["label"], duration(r["median"]),
            f"{label_w + w + 6:.1f}", y + 15, duration(r["median"]) if r["count"] else "—"))
    return format_html('<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">{}</svg>',
                       width, height, title, mark_safe("".join(parts)))  # noqa: S308 - parts are format_html output


@register.filter
def urgency_class(value):
    try:
        value = int(value)
    except (TypeError, ValueError):
        return ""
    return "urgent" if value >= 1 else ""


@register.simple_tag(takes_context=True)
def document_panels(context, document, incoming=None):
    """The panels other apps registered for the document pages (documents/panels.py)."""
    from documents.panels import panels_render

    request = context.get("request")
    if request is None:
        return ""
    return panels_render(request, document=document, incoming=incoming)


@register.filter
def saved_query(saved):
    """The query string that reopens a saved search."""
    from documents.services.search import saved_search_query

    return saved_search_query(saved)
@register.filter
def dmy(value):
    """A date (or the text of one, ISO or dd/mm/yyyy) as dd/mm/yyyy for the date inputs."""
    import datetime

    if not value:
        return ""
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    text = str(value).strip()
    try:
        return datetime.date.fromisoformat(text).strftime("%d/%m/%Y")
    except ValueError:
        return text
