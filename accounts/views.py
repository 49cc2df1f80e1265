from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from . import roles


@require_GET
def home(request):
    """Send each role to its daily page; a user with no role sees an explanation."""
    user = request.user
    if roles.is_inspector(user) and not roles.is_admin(user):
        return redirect("evaluation:inspector_home")
    if roles.can_view_results(user):
        return redirect("reports:ranking")
    return render(request, "accounts/no_role.html")


@login_not_required
@require_GET
def healthz(request):
    """Liveness for monitoring: database reachable and migrations applied."""
    checks = {}
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        checks["database"] = "ok"
        checks["migrations"] = "ok" if not pending else f"{len(pending)} pending"
    except Exception as exc:  # any failure here means "not healthy", whatever it is
        checks["database"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
