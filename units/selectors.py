"""Read queries over the unit hierarchy. Each is a single query (no N+1)."""
from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from .choices import UnitKind
from .models import Membership, Unit, UnitQuerySet

__all__ = [
    "UnitNotAddressable",
    "unit_children",
    "unit_descendants",
    "unit_ancestors",
    "unit_communes_of",
    "unit_departments",
    "unit_resolve_addressee",
    "unit_resolve_addressees",
    "units_of_user",
    "user_has_role",
    "unit_members",
    "divisions_of",
    "division_members",
    "user_division_ids",
    "user_heads_division",
    "unit_office",
    "unit_search",
    "REMOTE_SEARCH_MIN_LENGTH",
]

REMOTE_SEARCH_MIN_LENGTH = 3  # the national directory is searched from 3 characters (a trigram) on


class UnitNotAddressable(Exception):
    """A unit that no longer exists and has no successor cannot receive documents."""

    def __init__(self, unit: Unit, message: str):
        super().__init__(message)
        self.unit = unit


def unit_children(*, unit: Unit, on: datetime.date | None = None) -> UnitQuerySet:
    qs = Unit.objects.filter(parent=unit)
    return qs.active(on) if on is not None else qs


def unit_descendants(*, unit: Unit, on: datetime.date | None = None) -> UnitQuerySet:
    """Every unit below ``unit`` (a prefix match on the materialised path)."""
    qs = Unit.objects.filter(path__startswith=unit.path).exclude(pk=unit.pk)
    return qs.active(on) if on is not None else qs


def unit_ancestors(*, unit: Unit) -> list[Unit]:
    """Ancestors, root first; one query."""
    ids = unit.ancestor_ids
    by_id = Unit.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def unit_communes_of(*, district: Unit, on: datetime.date | None = None) -> UnitQuerySet:
    """All local commune committees under a district (or under any unit) that exist on ``on``."""
    return unit_descendants(unit=district).filter(is_local=True, kind=UnitKind.COMMUNE_COMMITTEE).active(on)


def unit_departments(*, on: datetime.date | None = None) -> UnitQuerySet:
    """All local departments (sở, ban, ngành) that exist on ``on`` (not those of the national directory)."""
    return Unit.objects.filter(is_local=True, kind=UnitKind.DEPARTMENT).active(on)


MAX_SUCCESSION = 32


def unit_resolve_addressee(*, unit: Unit, on: datetime.date | None = None) -> Unit:
    """
    The unit that receives documents addressed to ``unit`` on ``on``: the unit itself while
    it exists, else its successor, followed transitively (A merged into B merged into C → C).
    Raises UnitNotAddressable for a dissolved unit without successor (or a cycle in the data).
    """
    current = unit
    for _step in range(MAX_SUCCESSION):
        if current.is_active(on):
            return current
        if current.successor_id is None:
            raise UnitNotAddressable(
                unit,
                _("%(name)s no longer exists (until %(date)s) and has no successor.")
                % {"name": current.name, "date": current.valid_to},
            )
        current = Unit.objects.get(pk=current.successor_id)
    raise UnitNotAddressable(unit, _("The succession of %(name)s does not end.") % {"name": unit.name})


def unit_resolve_addressees(*, units: list[Unit], on: datetime.date | None = None) -> dict[int, Unit]:
    """Resolve many units at once: ``{requested_pk: receiving_unit}``. Active ones cost no query."""
    return {u.pk: unit_resolve_addressee(unit=u, on=on) for u in units}


def units_of_user(*, user) -> UnitQuerySet:
    """Units in which the user holds an active role."""
    return Unit.objects.filter(memberships__user=user, memberships__is_active=True).distinct()


def user_has_role(*, user, unit: Unit, roles: tuple[str, ...] | list[str] | str) -> bool:
    if isinstance(roles, str):
        roles = (roles,)
    if not getattr(user, "is_authenticated", False):
        return False
    return Membership.objects.filter(user=user, unit=unit, role__in=list(roles), is_active=True).exists()



def unit_members(*, unit_ids, roles) -> list[tuple[int, int]]:
    """
    ``(unit_id, user_id)`` of the active members of these units holding one of ``roles`` (a
    role or a list of roles): who to notify, in one query for any number of units.
    """
    if isinstance(roles, str):
        roles = [roles]
    ids = [unit_ids] if isinstance(unit_ids, int) else list(unit_ids)
    return list(Membership.objects.filter(unit_id__in=ids, role__in=list(roles), is_active=True)
                .order_by("unit_id", "user_id").values_list("unit_id", "user_id").distinct())


# --- divisions ------------------------------------------------------------------------------

def divisions_of(*, unit: Unit, active_only: bool = True):
    """The divisions of ``unit`` in their display order (one query)."""
    from .models import Division

    qs = Division.objects.filter(unit=unit)
    return qs.filter(is_active=True) if active_only else qs


def division_members(*, division_ids, heads_only: bool = False) -> list[tuple[int, int]]:
    """``(division_id, user_id)`` of the active members (or only the heads) of these divisions; one query."""
    ids = [division_ids] if isinstance(division_ids, int) else list(division_ids)
    qs = Membership.objects.filter(division_id__in=ids, is_active=True)
    if heads_only:
        qs = qs.filter(is_division_head=True)
    return list(qs.order_by("division_id", "user_id").values_list("division_id", "user_id").distinct())


def user_division_ids(*, user, unit: Unit, heads_only: bool = False) -> set[int]:
    """The divisions of ``unit`` the user works in (or heads)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    qs = Membership.objects.filter(user=user, unit=unit, is_active=True, division__isnull=False)
    if heads_only:
        qs = qs.filter(is_division_head=True)
    return set(qs.values_list("division_id", flat=True))


def user_heads_division(*, user, division) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Membership.objects.filter(user=user, division=division, is_division_head=True, is_active=True).exists()


def unit_office(*, unit: Unit):
    """The office division of ``unit`` (checks the form of drafts), or None."""
    from .models import Division

    return Division.objects.filter(unit=unit, is_office=True, is_active=True).first()


REMOTE_CANDIDATES = 1000  # remote matches considered for the ordering (a term matching more must be refined)


def unit_search(*, term: str, local_kinds, exclude_pk: int | None = None, limit: int = 20,
                on: datetime.date | None = None) -> list[Unit]:
    """
    The recipient type-ahead: active units whose name, short name or code contains ``term``
    (diacritics ignored). The province's own units of ``local_kinds`` come first, in tree order;
    only when they do not fill ``limit`` are remote units (peer portals, the national directory of
    ~111,000 agencies) searched, for a term of REMOTE_SEARCH_MIN_LENGTH characters or more,
    higher levels first (depth, then tree order).

    Neither query depends on the directory's size. The local one walks the partial index of local
    units' paths (units 0005_h11). The remote one takes at most REMOTE_CANDIDATES matches from the
    trigram index (units 0003_h11) and orders those: left to itself, the planner walks the whole
    path index until 20 rows match (``ORDER BY path LIMIT 20``: 34,000 rows read for a term matching
    2% of the directory, as agencies of one ministry lie together), or sorts every match of a
    common word.
    """
    term = (term or "").strip()
    base = Unit.objects.active(on)
    if exclude_pk is not None:
        base = base.exclude(pk=exclude_pk)
    found = list(base.filter(is_local=True, kind__in=list(local_kinds)).search(term).order_by("path")[:limit])
    if len(found) < limit and len(term) >= REMOTE_SEARCH_MIN_LENGTH:
        found += _remote_search(base.filter(is_local=False), term, limit - len(found))
    return found


def _index_word(key: str) -> str:
    """
    The word of a search key given to the trigram index: the trigrams of every word of "co quan g17"
    make the index read the posting lists of "co" and "quan" (every agency is a "cơ quan"), ten
    times the work of "g17" alone. A word with a digit (a number, a code) is taken first, else the
    longest; words under 3 characters have no trigram of their own.
    """
    words = [w for w in key.split() if len(w) >= 3]
    if not words:
        return key
    return max(words, key=lambda w: (any(c.isdigit() for c in w), len(w)))


def _remote_search(remote: UnitQuerySet, term: str, limit: int) -> list[Unit]:
    from django.db import connection, transaction
    from django.db.models import Value
    from django.db.models.functions import StrIndex

    from egov.core.text import search_key

    key = search_key(term)
    word = _index_word(key)
    matches = remote.filter(search_text__contains=word)
    if word != key:  # the whole term, checked on the rows the index found (STRPOS is not indexed)
        matches = matches.alias(at=StrIndex("search_text", Value(key))).filter(at__gt=0)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # the trigram index's bitmap, whatever the estimates say
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("SET LOCAL enable_indexscan = off")
        candidates = list(matches.order_by().values_list("depth", "path", "pk")[:REMOTE_CANDIDATES])
    chosen = [pk for _d, _p, pk in sorted(candidates)[:limit]]
    return sorted(Unit.objects.filter(pk__in=chosen), key=lambda u: (u.depth, u.path, u.pk))
