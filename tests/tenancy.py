"""Walk the project's URLconf to prove one school never reaches another school's pages or rows.

Used by tests/core/test_tenancy.py; it covers every app's URLs without a line per page.

School B's rows: every model that belongs to a school (a `school` foreign key, or a required
foreign key to a model that does) gets one row of school B, and every such row gets the same
high primary key, ROW_ID. A URL whose id parameters all say ROW_ID therefore names school B's row
whatever model each parameter means, and no row of school A can have that id, so a page that
answers anything but 404 has found school B's row. The generic builder fills required fields by
type; a model it cannot fill gets a factory in FACTORIES (register it with `@factory(label)`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.validators import MinValueValidator
from django.db import IntegrityError, models, transaction
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter, PathConverter, SlugConverter, UUIDConverter
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone

from bastion.core.models import School

ROW_ID = 900_000_001
ROW_SLUG = "brookfield-row-900000001"
ROW_UUID = uuid.UUID("9a1e0c2b-5d4f-4e3a-8b7c-900000000001")

# URL parameters that are not row ids (a year, a page name): the value to put in the URL.
# A page may answer 200 for these; the walker only insists on 404 where a row id is involved.
PARAM_VALUES: dict[str, str] = {
    "kind": "staff",  # people/add/<kind>/: a kind of person (bastion.people.models.Kind)
    "check": "dbs",  # scr/<pk>/check/<check>/: a Single Central Record check
    "control": "T16",  # controls/<control>/: a policy row (bastion.controls.catalogue.ROWS)
    "fmt": "md",  # policy/download/<fmt>/: a document format (bastion.policy.formats.FORMATS)
}

# School URLs deliberately served without `school_view`, each with the reason (none so far).
NOT_SCHOOL_VIEWS: dict[str, str] = {}

FACTORIES: dict[str, Callable[[School], models.Model]] = {}


def factory(label: str):
    """Register how to make school B's row of one model (`app_label.model_name`).

    The factory receives school B and must create the row with pk=ROW_ID.
    """

    def register(make):
        FACTORIES[label] = make
        return make

    return register


# The URL resolver ------------------------------------------------------------------------------

_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<regex>[^()]*)\)")


@dataclass(frozen=True)
class Route:
    """One URL pattern of the project, with the patterns of the includes above it."""

    segments: tuple
    name: str | None
    callback: Callable

    @property
    def label(self) -> str:
        return self.name or "".join(str(s) for s in self.segments)

    @property
    def params(self) -> list[str]:
        names = []
        for segment in self.segments:
            if isinstance(segment, RoutePattern):
                names += [m["name"] for m in _ROUTE_PARAM.finditer(str(segment))]
            else:
                names += [m["name"] for m in _REGEX_GROUP.finditer(str(segment))]
        return names

    @property
    def row_params(self) -> list[str]:
        """Parameters that name a row (not the school, and not a fixed value like a year)."""
        return [p for p in self.params if p != "school" and p not in PARAM_VALUES]

    def url(self, school: str) -> str:
        """This URL for `school` (a slug), with every other parameter naming school B's row."""
        path = "/" + "".join(_fill(segment, school) for segment in self.segments)
        match = resolve(path)
        assert match.func is self.callback, f"{path} did not resolve back to {self.label}"
        return path


def _value(name: str, converter, school: str) -> str:
    if name == "school":
        return school
    if name in PARAM_VALUES:
        return PARAM_VALUES[name]
    if isinstance(converter, IntConverter):
        return str(ROW_ID)
    if isinstance(converter, UUIDConverter):
        return str(ROW_UUID)
    if isinstance(converter, (SlugConverter, PathConverter)) or converter is None:
        return ROW_SLUG
    for candidate in (ROW_ID, ROW_SLUG, ROW_UUID):
        if re.fullmatch(converter.regex, str(candidate)):
            return str(converter.to_url(candidate))
    raise AssertionError(f"no value fits the URL converter {converter!r}: add it to PARAM_VALUES")


def _fill(segment, school: str) -> str:
    if isinstance(segment, RoutePattern):
        return _ROUTE_PARAM.sub(
            lambda m: _value(m["name"], segment.converters.get(m["name"]), school), str(segment)
        )
    assert isinstance(segment, RegexPattern), segment

    def group(m):
        for candidate in (_value(m["name"], None, school), str(ROW_ID), "abc"):
            if re.fullmatch(m["regex"], candidate):
                return candidate
        raise AssertionError(f"no value fits ({m['regex']}) in {segment}")

    text = _REGEX_GROUP.sub(group, str(segment))
    text = text.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    assert not re.search(r"[\\()\[\]^$*+?|{}]", text), f"cannot fill the URL regex {segment}"
    return text


def routes() -> list[Route]:
    """Every URL pattern of the project."""
    found = []

    def walk(patterns, above):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, (*above, entry.pattern))
            elif isinstance(entry, URLPattern):
                found.append(Route((*above, entry.pattern), entry.name, entry.callback))

    walk(get_resolver().url_patterns, ())
    # A pattern shadowed by an earlier one for the same path (Bastion's own /accounts/email/
    # before allauth's) can never be reached: the earlier one is what gets tested.
    return [r for r in found if _reachable(r)]


def _reachable(route: Route) -> bool:
    path = "/" + "".join(_fill(segment, "ashmole") for segment in route.segments)
    try:
        return resolve(path).func is route.callback
    except Exception:
        return True  # let Route.url report it


def school_routes() -> list[Route]:
    return [r for r in routes() if "school" in r.params]


def other_routes() -> list[Route]:
    return [r for r in routes() if "school" not in r.params]


# School B's rows ---------------------------------------------------------------------------------


def _required_relations(model) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if f.is_relation and (not f.null or f.name == "school")
    ]


def school_owned_models() -> list[type[models.Model]]:
    """Models whose rows belong to one school, each after the owned models it needs rows of."""
    candidates = [m for m in apps.get_models() if m is not School]
    owned: set[type[models.Model]] = set()
    grew = True
    while grew:
        grew = False
        for model in candidates:
            relations = _required_relations(model)
            if model not in owned and any(
                f.related_model is School or f.related_model in owned for f in relations
            ):
                owned.add(model)
                grew = True
    ordered: list[type[models.Model]] = []
    while len(ordered) < len(owned):
        ready = [
            model
            for model in owned
            if model not in ordered
            and all(
                f.related_model in ordered or f.related_model not in owned
                for f in _required_relations(model)
                if f.related_model is not model
            )
        ]
        assert ready, f"required foreign keys go round in a circle among {owned - set(ordered)}"
        ordered += sorted(ready, key=lambda m: m._meta.label_lower)
    return ordered


_serial = itertools.count(1)


def _plain_value(field: models.Field, pinned: bool):
    n = next(_serial)
    if field.choices:
        return field.flatchoices[0][0]
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.EmailField):
        return f"row{n}@brookfield.example.org"
    if isinstance(field, models.SlugField):
        return (ROW_SLUG if pinned else f"{ROW_SLUG}-{n}")[: field.max_length]
    if isinstance(field, models.URLField):
        return "https://brookfield.example.org/"
    if isinstance(field, models.UUIDField):
        return ROW_UUID if pinned else uuid.uuid4()
    if isinstance(field, models.GenericIPAddressField):
        return "192.0.2.1"
    if isinstance(field, (models.FileField, models.FilePathField)):
        return f"tenancy/row{n}.txt"
    if isinstance(field, (models.CharField, models.TextField)):
        return f"Brookfield row {n}"[: field.max_length or None]
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return timezone.localdate()
    if isinstance(field, models.TimeField):
        return dt.time(9, 0)
    if isinstance(field, models.DurationField):
        return dt.timedelta(days=1)
    if isinstance(field, models.DecimalField):
        return decimal.Decimal(1)
    if isinstance(field, models.FloatField):
        return 1.0
    if isinstance(field, models.IntegerField):
        lows = [v.limit_value for v in field.validators if isinstance(v, MinValueValidator)]
        return max([1, *lows])
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.BinaryField):
        return b""
    raise AssertionError(f"the walker cannot fill {field!r}: register a factory")


def _make(model, school: School, made: dict, *, pk=None, fill_nullable=False) -> models.Model:
    """A row of `model` for `school`, its required fields filled by type, saved as built."""
    row = model(pk=pk) if pk is not None else model()
    used = set()
    for field in model._meta.concrete_fields:
        if field.primary_key or field.generated or getattr(field, "auto_now", False):
            continue
        if field.is_relation:
            target = field.related_model
            if target is School:
                setattr(row, field.name, school)
            elif field.null and not fill_nullable:
                continue
            elif target is get_user_model():
                n = next(_serial)
                setattr(row, field.name, target.objects.create_user(f"row{n}@b.example.org"))
            elif target in made and target not in used:
                setattr(row, field.name, made[target])
            elif target is not model:
                # A second link to the same model (parent and child, say) gets a row of its own.
                setattr(row, field.name, _make(target, school, made))
            used.add(target)
            continue
        if field.has_default() or getattr(field, "auto_now_add", False):
            continue
        if field.null and not fill_nullable:
            continue
        setattr(row, field.name, _plain_value(field, pinned=pk is not None))
    try:
        # bulk_create: the row goes in as built, past any save() rules (the audit log's, say).
        with transaction.atomic():
            model._base_manager.bulk_create([row])
    except IntegrityError:
        if fill_nullable:
            raise
        # A constraint wants an optional field set ("done" needs a date, say): fill them all.
        return _make(model, school, made, pk=pk, fill_nullable=True)
    return row


def create_rows(school: School) -> dict[type[models.Model], models.Model]:
    """One row with pk=ROW_ID of every school-owned model, all belonging to `school`."""
    made: dict[type[models.Model], models.Model] = {}
    for model in school_owned_models():
        label = model._meta.label_lower
        try:
            if label in FACTORIES:
                made[model] = FACTORIES[label](school)
            else:
                made[model] = _make(model, school, made, pk=ROW_ID)
        except (IntegrityError, AssertionError, ValueError, TypeError) as exc:
            raise AssertionError(
                f"could not make school B's row of {label} ({exc}); register a factory for it "
                "in tests/tenancy.py with @factory"
            ) from exc
        assert made[model].pk == ROW_ID, f"the factory for {label} must use pk=ROW_ID"
    return made
