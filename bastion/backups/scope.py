"""One school's rows: what an export of a single school holds (a school leaving its trust or
the platform), and never a row of another school.

Every table is placed here by rule: rows with the school's foreign key; the school itself,
out of its trust (the trust stays behind, with its central team); the accounts of its members,
with their e-mail addresses and second factors; and, for the audit trail's sake, the people
its rows name who are not members (a trust admin who once changed something), as closed
accounts that cannot sign in. A table no rule places stops the export, so a new register is
decided on, never leaked or forgotten.

The school's audit events are sealed again as a chain of their own (the whole installation's
chain runs through every school's events), after each event's content is checked against its
hash: the restored log verifies, and the archive says where in the source chain it came from.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

from django.db.models import Q, QuerySet

from bastion.accounts.models import User
from bastion.backups.tables import Table
from bastion.core import audit
from bastion.core.models import AuditEvent, Membership, School

LEFT_BEHIND = {
    "core.trust",
    "core.trustadmin",
    "notify.schedulerun",
    "backups.backuprecord",
    "backups.restorecheck",
}
EVERY_ROW = {"contenttypes.contenttype", "auth.permission"}  # the installation's vocabulary
BY_ACCOUNT = {
    "account.emailaddress": "user_id",
    "mfa.authenticator": "user_id",
    "accounts.user_groups": "user_id",
    "accounts.user_user_permissions": "user_id",
    "account.emailconfirmation": "email_address__user_id",
}
THROUGH_SCHOOL = {"equipment.backupset_media": "backupset__school"}


class ExportRefused(Exception):
    pass


class SchoolScope:
    """The rows of `school` in each table, read through the connection `using`."""

    def __init__(self, school: School, using: str):
        self.school = school
        self.using = using
        if not School.objects.using(using).filter(pk=school.pk).exists():
            raise ExportRefused(f"{school} is not in the database (yet): nothing to export.")
        members = Membership.objects.using(using).filter(school=school)
        # Accounts that go with the school: its active members'. Others its rows name are
        # carried as closed accounts (the foreign keys, and the log, need them).
        self.accounts = set(
            members.filter(active=True, user__is_active=True).values_list("user_id", flat=True)
        )
        self.users = set(members.values_list("user_id", flat=True))
        self.sealed_tip = audit.GENESIS
        self.sealed_count = 0

    def note_users(self, tables: list[Table]) -> None:
        """Add the people the school's rows name (actors, uploaders, holders) to the export."""
        for table in tables:
            if table.label == "accounts.user":
                continue
            queryset = self.queryset(table)
            if queryset is None:
                continue
            for f in table.fields:
                if f.is_relation and f.related_model is User:
                    found = queryset.exclude(**{f"{f.attname}__isnull": True})
                    self.users |= set(found.values_list(f.attname, flat=True).distinct())

    def queryset(self, table: Table) -> QuerySet | None:
        """The school's rows of this table; None for a table the export leaves out."""
        label, manager = table.label, table.model._base_manager.using(self.using)
        if label in LEFT_BEHIND or label == "core.audithead":
            return None
        if label in EVERY_ROW:
            return manager.all()
        if label == "core.school":
            return manager.filter(pk=self.school.pk)
        if label == "accounts.user":
            return manager.filter(pk__in=sorted(self.users))
        if label in BY_ACCOUNT:
            return manager.filter(**{f"{BY_ACCOUNT[label]}__in": sorted(self.accounts)})
        if label == "auth.group":
            return manager.filter(user__in=sorted(self.accounts)).distinct()
        if label == "auth.group_permissions":
            return manager.filter(group__user__in=sorted(self.accounts)).distinct()
        if label in THROUGH_SCHOOL:
            return manager.filter(**{THROUGH_SCHOOL[label]: self.school})
        if any(f.name == "school" for f in table.fields):
            return manager.filter(Q(school=self.school))
        raise ExportRefused(
            f"The school export does not know which rows of {label} belong to a school: "
            "add a rule for it in bastion/backups/scope.py."
        )

    def rows(self, table: Table, rows: Iterator[list]) -> Iterator[list]:
        """The rows as the export writes them."""
        if table.label == "core.school":
            trust = table.columns.index("trust_id")
            for row in rows:
                row[trust] = None  # the school leaves its trust
                yield row
        elif table.label == "accounts.user":
            yield from self._users(table, rows)
        elif table.label == "core.auditevent":
            yield from self._sealed(table, rows)
        else:
            yield from rows

    def _users(self, table: Table, rows: Iterator[list]) -> Iterator[list]:
        at = {name: table.columns.index(name) for name in ("id", "password", "is_active")}
        closed = {"is_staff": False, "is_superuser": False, "last_login": None}
        for row in rows:
            if row[at["id"]] not in self.accounts:
                row[at["password"]] = "!" + secrets.token_urlsafe(30)  # unusable
                row[at["is_active"]] = False
                for name, value in closed.items():
                    row[table.columns.index(name)] = value
            yield row

    def _sealed(self, table: Table, rows: Iterator[list]) -> Iterator[list]:
        prev_at, hash_at = table.columns.index("prev_hash"), table.columns.index("hash")
        for row in rows:
            event = AuditEvent(*table.decode(row))
            if audit.digest(event) != event.hash:
                raise ExportRefused(
                    f"Audit entry {event.pk} of {self.school} does not match its hash: it was "
                    "altered. Run `manage.py verify_audit`; the export is refused."
                )
            event.prev_hash = self.sealed_tip
            row[prev_at] = event.prev_hash
            row[hash_at] = self.sealed_tip = audit.digest(event)
            self.sealed_count += 1
            yield row

    def head_row(self, table: Table) -> list:
        """The audit head of the export's own chain (after its events are written)."""
        values = {"id": 1, "last_hash": self.sealed_tip, "count": self.sealed_count}
        return [values[name] for name in table.columns]
