"""The public signing page reached through a single-use link: no account, no personal data
beyond the first name it greets, rate limited, and kind when the link is spent."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.cache import never_cache

from bastion.agreements import links, signing, throttle
from bastion.agreements.forms import PublicSignForm
from bastion.lib.forms import posted
from bastion.lib.markdown import render as markdown


def _unusable(request, status: str):
    code = 404 if status == "unknown" else 410
    return render(request, "agreements/public_unusable.html", {"status": status}, status=code)


def _no_referrer(response):
    # The token is in the address: never pass it to another site in a Referer header.
    # ("no-referrer" would also blank the Origin of the page's own form, failing its CSRF check.)
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response


@never_cache
def public_sign(request, token: str):
    if not throttle.allow(request):
        return render(request, "429.html", status=429)
    link = links.link_for_token(token)
    if link is None:
        throttle.failed(request)
        return _no_referrer(_unusable(request, "unknown"))
    if link.status != "open":
        return _no_referrer(_unusable(request, link.status))
    person = link.person
    own = signing.agreement_for(person)
    own_needed = own is not None and own.current is not None and not signing.is_covered(person, own)
    groups = signing.child_groups(person)
    if not own_needed and not groups:
        return _no_referrer(
            render(request, "agreements/public_nothing.html", {"first_name": person.first_name})
        )
    form = PublicSignForm(posted(request), groups=groups)
    if request.method == "POST" and form.is_valid():
        try:
            signing.link_sign(
                link=link,
                typed_name=form.cleaned_data["typed_name"],
                sign_own=own_needed,
                for_children=form.cleaned_data.get("children", []),
                request=request,
            )
        except signing.LinkUnusable as exc:
            return _no_referrer(_unusable(request, str(exc)))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("agreement-public-done")
    context = {
        "first_name": person.first_name,
        "school_name": link.school.name,
        "own": own if own_needed else None,
        "own_html": markdown(own.current.text) if own_needed else "",
        "groups": [(g, markdown(g.agreement.current.text)) for g in groups],
        "form": form,
    }
    return _no_referrer(render(request, "agreements/public_sign.html", context))


def public_done(request):
    return render(request, "agreements/public_done.html")


urlpatterns = [
    path("done/", public_done, name="agreement-public-done"),
    path("<str:token>/", public_sign, name="agreement-public-sign"),
]
