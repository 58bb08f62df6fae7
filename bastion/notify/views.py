from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from bastion.notify.mytasks import tasks_for


@login_required
def my_tasks(request):
    return render(request, "notify/my_tasks.html", {"tasks": tasks_for(request.user)})
