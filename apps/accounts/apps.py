from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from apps.accounts.roles import sync_role_permissions

        # After Django's own post_migrate handler has created the permissions.
        post_migrate.connect(sync_role_permissions, dispatch_uid="accounts.sync_role_permissions")
