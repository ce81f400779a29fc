"""python manage.py seed_demo [--before-reform] [--password P] [--force]"""
import csv
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from egov.core.db import service_atomic

from units.choices import Role
from units.importers import reorganisation_apply_csv, units_import_csv
from units.models import Membership, Unit

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
BEFORE_CSV = DATA_DIR / "nghe_an_2025_before.csv"
REORG_CSV = DATA_DIR / "nghe_an_2025_reorganisation.csv"

# (login prefix, unit code, position of the leader) — codes below level 1 are demo codes.
DEMO_UNITS_COMMON = [
    ("vp", "000.00.01.H41", "Chánh Văn phòng"),       # Văn phòng UBND tỉnh (province office)
    ("snv", "000.00.02.H41", "Giám đốc"),              # Sở Nội vụ
    ("stc", "000.00.05.H41", "Giám đốc"),              # Sở Tài chính
    ("hn", "000.00.37.H41", "Chủ tịch"),               # UBND huyện Hưng Nguyên (until 30/6/2025)
]
DEMO_COMMUNES_AFTER = [("xhn", "000.26.61.H41"), ("ptv", "000.17.62.H41")]   # xã Hưng Nguyên, phường Trường Vinh
DEMO_COMMUNES_BEFORE = [("tthn", "000.01.37.H41"), ("xhd", "000.02.37.H41")]  # TT Hưng Nguyên, xã Hưng Đạo
# Divisions of the demo units (short name, name, is the office). The leader heads no division;
# the clerk works in the office, the specialist in the first specialised division, whose head
# is the extra "truongphong" user.
DEMO_DIVISIONS = {
    "department": [("VP", "Văn phòng", True), ("TCCB", "Phòng Tổ chức cán bộ", False),
                   ("KHTC", "Phòng Kế hoạch - Tài chính", False)],
    "district_committee": [("VP", "Văn phòng HĐND và UBND", True), ("NV", "Phòng Nội vụ", False),
                           ("TCKH", "Phòng Tài chính - Kế hoạch", False)],
    "commune_committee": [("VP", "Văn phòng HĐND và UBND", True), ("KT", "Phòng Kinh tế", False),
                          ("VHXH", "Phòng Văn hóa - Xã hội", False)],
    "province_committee": [("HC", "Phòng Hành chính - Tổ chức", True), ("TH", "Phòng Tổng hợp", False)],
}
ROLE_SUFFIX = {Role.CLERK: "vanthu", Role.LEADER: "lanhdao", Role.SPECIALIST: "chuyenvien", Role.UNIT_ADMIN: "quantri"}


def _codes(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as fh:
        return [row["code"] for row in csv.DictReader(fh)]


class Command(BaseCommand):
    help = (
        "Development only: load the Nghệ An datasets (before the 2025 reform, then the reorganisation "
        "unless --before-reform) and create demo users for a few units, one per role, printing their logins."
    )

    def add_arguments(self, parser):
        parser.add_argument("--before-reform", action="store_true",
                            help="Stop at the structure of 30/6/2025 (districts and 412 communes still exist).")
        parser.add_argument("--password", default="demo-egov-2026", help="Password of every demo user.")
        parser.add_argument("--force", action="store_true", help="Run even with DJANGO_DEBUG off.")
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the logins.")
        parser.add_argument("--logins-file", default="",
                            help="Also write the logins to this file (make run: runportal prints it once the "
                                 "portal answers, after the start-up logs).")

    def handle(self, *args, before_reform, password, force, quiet_logins, logins_file="", **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo is for development: DJANGO_DEBUG is off (use --force to override).")
        with service_atomic():  # the whole demo set or nothing
            # The before-reform file describes 30/6/2025; once the reorganisation has been applied
            # on top of it, importing it again would reopen closed units. Load it only once.
            if Unit.objects.filter(code__in=_codes(BEFORE_CSV)).count() < len(_codes(BEFORE_CSV)):
                r1 = units_import_csv(BEFORE_CSV)
                self.stdout.write(f"units: created {r1.created}, updated {r1.updated}, unchanged {r1.unchanged}")
            else:
                self.stdout.write("units: the Nghệ An directory is already loaded")
            if not before_reform:
                r2 = reorganisation_apply_csv(REORG_CSV)
                self.stdout.write(f"reorganisation: applied {r2.applied}, already in place {r2.skipped}")
            logins = self._users(password, DEMO_COMMUNES_BEFORE if before_reform else DEMO_COMMUNES_AFTER)
        text = f"Demo logins (password: {password}):\n" + "".join(
            f"  {username:<22} {role:<22} {unit}\n" for username, unit, role in logins)
        if logins_file:
            with open(logins_file, "w", encoding="utf-8") as fh:
                fh.write(text)
        if not quiet_logins:
            self.stdout.write("\n" + text.rstrip("\n"))

    def _users(self, password: str, communes) -> list[tuple[str, str, str]]:
        User = get_user_model()
        admin, created = User.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True, "first_name": "Quản trị"}
        )
        if created:
            admin.set_password(password)
            admin.save()
        logins = [("admin", "—", "superuser")]
        plan = DEMO_UNITS_COMMON + [(prefix, code, "Chủ tịch") for prefix, code in communes]
        units = Unit.objects.in_bulk([code for _p, code, _pos in plan], field_name="code")
        for prefix, code, leader_position in plan:
            unit = units[code]
            for role, suffix in ROLE_SUFFIX.items():
                username = f"{prefix}.{suffix}"
                user, created = User.objects.get_or_create(
                    username=username,
                    defaults={"first_name": role.label, "last_name": unit.short_name,
                              "email": f"{username}@demo.nghean.invalid", "is_staff": role == Role.UNIT_ADMIN},
                )
                if created:
                    user.set_password(password)
                    user.save()
                if role == Role.UNIT_ADMIN:
                    user.groups.add(self._unit_admin_group())
                Membership.objects.get_or_create(
                    user=user, unit=unit, role=role,
                    defaults={"position": leader_position if role == Role.LEADER else ""},
                )
                logins.append((username, unit.name, str(role.label)))
            logins += self._divisions(unit, prefix, password)
        return logins

    def _unit_admin_group(self):
        """The permissions of unit administrators; the admin site scopes them to their own units."""
        from django.contrib.auth.models import Group, Permission

        group, created = Group.objects.get_or_create(name="Quản trị đơn vị")
        if created:
            wanted = {("units", m): ("view", "change", "add") for m in ("membership", "division", "unitgroup")}
            wanted[("auth", "user")] = ("view", "change", "add")
            wanted[("units", "unit")] = ("view",)
            wanted[("egov", "apiclient")] = ("view", "change", "add")
            for (app, model), actions in wanted.items():
                group.permissions.add(*Permission.objects.filter(content_type__app_label=app,
                                                                 codename__in=[f"{a}_{model}" for a in actions]))
        return group

    def _divisions(self, unit, prefix: str, password: str) -> list[tuple[str, str, str]]:
        """The unit's divisions, the office's members, and a head of the first specialised division."""
        from units.models import Division
        from units.services import division_create, division_member_set

        plan = DEMO_DIVISIONS.get(unit.kind) or DEMO_DIVISIONS["department"]
        existing = {d.short_name: d for d in Division.objects.filter(unit=unit)}
        divisions = []
        for position, (short, name, is_office) in enumerate(plan):
            division = existing.get(short) or division_create(unit=unit, name=name, short_name=short,
                                                              is_office=is_office, position=position)
            divisions.append(division)
        office, first = divisions[0], divisions[1]
        User = get_user_model()
        members = {u.username: u for u in User.objects.filter(username__in=[
            f"{prefix}.{ROLE_SUFFIX[Role.CLERK]}", f"{prefix}.{ROLE_SUFFIX[Role.SPECIALIST]}"])}
        if f"{prefix}.vanthu" in members:
            division_member_set(unit=unit, user=members[f"{prefix}.vanthu"], division=office)
        if f"{prefix}.chuyenvien" in members:
            division_member_set(unit=unit, user=members[f"{prefix}.chuyenvien"], division=first)
        username = f"{prefix}.truongphong"
        head, created = User.objects.get_or_create(
            username=username, defaults={"first_name": "Trưởng phòng", "last_name": first.short_name,
                                         "email": f"{username}@demo.nghean.invalid"})
        if created:
            head.set_password(password)
            head.save()
        Membership.objects.get_or_create(user=head, unit=unit, role=Role.SPECIALIST,
                                         defaults={"position": "Trưởng phòng"})
        division_member_set(unit=unit, user=head, division=first, is_head=True)
        return [(username, f"{unit.name} · {first.name}", "Trưởng phòng")]
