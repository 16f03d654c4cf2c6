"""Role groups and their permissions.

The groups themselves come from a migration (accounts 0002). Each app declares
what its roles may do as ``role_permissions`` on its AppConfig, e.g.::

    role_permissions = {"author": ["add_lesson", "change_lesson", "view_lesson"]}

and ``sync_role_permissions`` (run after every ``migrate`` and test-database flush,
like Django's own permission creation) grants exactly those.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission

from apps.accounts.models import ROLE_GROUPS


def declared_role_permissions() -> dict[str, set[tuple[str, str]]]:
    wanted: dict[str, set[tuple[str, str]]] = {role: set() for role in ROLE_GROUPS}
    for config in global_apps.get_app_configs():
        for role, codenames in getattr(config, "role_permissions", {}).items():
            wanted.setdefault(role, set()).update(
                (config.label, codename) for codename in codenames
            )
    return wanted


def sync_role_permissions(**kwargs: Any) -> None:
    for role, perms in declared_role_permissions().items():
        group, _ = Group.objects.get_or_create(name=role)
        rows = [
            Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            for app_label, codename in sorted(perms)
        ]
        group.permissions.add(*[row for row in rows if row is not None])
