from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "bastion.core"
    label = "core"

    def ready(self):
        from django.core.signals import request_finished, request_started
        from django.db import connections
        from django.db.backends.signals import connection_created

        from bastion.core import (
            controls,  # noqa: F401  (computed controls P1, P2, T2, T4)
            revisions,
        )

        # Note what each statement writes and reads (see bastion/core/revisions.py).
        connection_created.connect(revisions.install, dispatch_uid="bastion-revisions")
        for connection in connections.all(initialized_only=True):
            revisions.install(connection=connection)
        request_started.connect(revisions.forget_writes, dispatch_uid="bastion-forget-writes")
        request_finished.connect(
            revisions.refresh_after_response, dispatch_uid="bastion-refresh-after-response"
        )
