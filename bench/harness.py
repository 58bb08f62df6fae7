"""Measure Bastion page by page: latency, queries, throughput, imports and exports.

Run through `make bench` (see bench/README.md). Each scale gets its own database, generated once
and reused: bench/db/<scale>.sqlite3, or the PostgreSQL database named by DATABASE_URL.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def setup_django(scale: str) -> str:
    """Point Django at this scale's database and start it. Returns a label for the database."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        os.environ["DATABASE_URL"] = f"{base}/bastion_bench_{scale}"
        label = "postgresql"
    else:
        (ROOT / "bench" / "db").mkdir(exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'bench' / 'db' / f'{scale}.sqlite3'}"
        label = "sqlite"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bastion.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return label


def ensure_database(scale: str, label: str) -> dict:
    """Create, migrate and fill the database unless it already holds this scale's data."""
    from django.core.management import call_command
    from django.db import connection

    if label == "postgresql":
        _create_pg_database(connection.settings_dict)
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from bastion.core.models import School

    if School.objects.filter(slug="bench-01").exists():
        return {"reused": True}
    from bench.generate import generate

    started = time.perf_counter()
    counts = generate(scale)
    if label == "postgresql":
        # As autovacuum would in time: the planner needs statistics of the bulk-loaded tables.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def _create_pg_database(settings_dict) -> None:
    import psycopg

    params = {
        k: v
        for k, v in {
            "host": settings_dict["HOST"],
            "port": settings_dict["PORT"],
            "user": settings_dict["USER"],
            "password": settings_dict["PASSWORD"],
        }.items()
        if v
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [settings_dict["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{settings_dict["NAME"]}"')


# ---- pages ---------------------------------------------------------------------------------


def pages() -> list[tuple[str, str, str]]:
    """(name, persona, url) for every main page; later registers add theirs here."""
    s = "/s/bench-01"
    return [
        ("floor: about page", "teacher", "/about/"),
        ("idle status (JSON)", "teacher", "/accounts/idle/status/"),
        ("home (school picker)", "trust", "/"),
        ("school overview", "siro", f"{s}/"),
        ("my tasks", "office", "/tasks/"),
        ("members list", "siro", f"{s}/members/"),
        ("audit trail", "siro", f"{s}/audit/"),
        ("school settings", "siro", f"{s}/settings/"),
        ("people list", "office", f"{s}/people/"),
        ("people: pupils of year 3", "office", f"{s}/people/?kind=pupil&year=3"),
        ("people: search", "office", f"{s}/people/?q=ab"),
        ("people: last page", "office", "LASTPAGE"),
        ("person detail (pupil)", "office", "PUPIL"),
        ("SCR report", "office", f"{s}/scr/"),
        ("SCR report: gaps", "dpo", f"{s}/scr/?status=gaps"),
        ("SCR entry", "office", "SCR"),
        ("device list", "it", f"{s}/equipment/devices/"),
        ("devices: breaking a rule", "it", f"{s}/equipment/devices/?problem=any"),
        ("devices: search", "it", f"{s}/equipment/devices/?q=dell&kind=laptop"),
        ("device detail (server)", "it", "SERVER"),
        ("location list", "it", f"{s}/equipment/locations/"),
        ("breach log", "dpo", f"{s}/incidents/log/"),
        (
            "breach log: lost devices, a term",
            "dpo",
            f"{s}/incidents/log/?term=spring-2026&kind=lost_device",
        ),
        ("controls dashboard", "siro", f"{s}/controls/"),
        ("controls dashboard (every control evaluated)", "siro", f"{s}/controls/"),
        ("control detail (P5)", "siro", f"{s}/controls/P5/"),
        ("trust matrix", "trust", "/trust/bench-trust/controls/"),
        ("trust matrix (every school evaluated)", "trust", "/trust/bench-trust/controls/"),
        ("policy", "teacher", f"{s}/policy/"),
        ("agreement coverage", "office", f"{s}/agreements/"),
        ("agreement coverage (counted)", "office", f"{s}/agreements/"),
        ("agreements: unsigned parents", "office", f"{s}/agreements/?audience=parent"),
        ("agreements: texts", "office", f"{s}/agreements/texts/"),
        ("information assets", "dpo", f"{s}/assets/"),
        ("information assets: flagged", "dpo", f"{s}/assets/?flag=review_due"),
        ("asset detail", "dpo", "ASSET"),
        ("systems", "it", f"{s}/systems/"),
        ("password changes", "it", f"{s}/systems/passwords/"),
        ("data transfers", "dpo", f"{s}/transfers/"),
        ("off-site removals", "dpo", f"{s}/offsite/"),
        ("housekeeping campaigns", "siro", f"{s}/housekeeping/campaigns/"),
        ("filtering and monitoring", "siro", f"{s}/filtering/"),
        ("operator: Bastion's own backups", "operator", "/operator/backups/"),
        ("operator: export a school", "operator", "/operator/backups/export/"),
        ("trust: export a school", "trust", "/trust/bench-trust/export/"),
    ]


def _clients() -> dict:
    from django.test import Client

    from bastion.accounts.models import User

    clients = {}
    for persona, email in {
        "siro": "siro@bench-01.bench.example.org",
        "dpo": "dpo@bench-01.bench.example.org",
        "office": "office@bench-01.bench.example.org",
        "it": "it@bench-01.bench.example.org",
        "teacher": "teacher@bench-01.bench.example.org",
        "trust": "trust@bench.example.org",
    }.items():
        client = Client()
        client.force_login(User.objects.get(email=email))
        clients[persona] = client
    client = Client()
    client.force_login(_operator())
    clients["operator"] = client
    return clients


def _operator():
    """The installation's operator (a superuser with a second factor), made on first use: a
    dataset generated before the operator's pages existed has none."""
    from allauth.mfa.models import Authenticator

    from bastion.accounts.models import User

    user, _ = User.objects.get_or_create(
        email="ops@bench.example.org", defaults={"is_superuser": True, "first_name": "Ops"}
    )
    Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "JBSWY3DPEHPK3PXP"}}
    )
    return user


def _resolve(url: str) -> str:
    from bastion.people.models import Kind, Person

    def middle(kind):
        ids = Person.objects.filter(school__slug="bench-01", kind=kind).order_by("pk")
        return ids.values_list("pk", flat=True)[ids.count() // 2]

    if url == "PUPIL":
        return f"/s/bench-01/people/{middle(Kind.PUPIL)}/"
    if url == "LASTPAGE":
        count = Person.objects.filter(school__slug="bench-01", left_on__isnull=True).count()
        return f"/s/bench-01/people/?page={max(1, -(-count // 50))}"
    if url == "SCR":
        return f"/s/bench-01/scr/{middle(Kind.STAFF)}/"
    if url == "SERVER":
        from bastion.equipment.models import Device

        servers = Device.objects.filter(school__slug="bench-01", kind="server").order_by("pk")
        return f"/s/bench-01/equipment/devices/{servers.values_list('pk', flat=True)[0]}/"
    if url == "ASSET":
        from bastion.assets.models import InformationAsset

        assets = InformationAsset.objects.filter(school__slug="bench-01").order_by("pk")
        return f"/s/bench-01/assets/{assets.values_list('pk', flat=True)[0]}/"
    return url


# Pages that reuse what they compute until a change is recorded at the school (the controls'
# evidence, the trust matrix row, the agreement counts; bastion/controls/kept.py). After a
# change, the controls-refresh job brings them up to date (measured below, in
# `measure_refresh`): the pages compute in the request only when nothing is kept at all, or
# before the job's next run. These rows measure that cold start: what is kept is dropped before
# each request (untimed), for the bench school or every school.
def _forget(every: bool = False):
    def forget():
        from bastion.controls.models import KeptEvaluation

        kept = KeptEvaluation.objects.all()
        (kept if every else kept.filter(school__slug="bench-01")).delete()

    return forget


EVALUATED = {
    "controls dashboard (every control evaluated)": _forget(),
    "trust matrix (every school evaluated)": _forget(every=True),
    "agreement coverage (counted)": _forget(),
}


def _changed():
    """A change at the bench school, as an audited change there moves its generation."""
    from bastion.core import generations
    from bastion.core.models import School

    generations.bump("bench.changed", School.objects.get(slug="bench-01"), None)


def measure_refresh(repeat: int) -> list[dict]:
    """The refresh job's run after a change at the bench school: its controls, its trust matrix
    row and its agreement counts evaluated again, every other school's found kept. It is the
    scheduler's time, not a viewer's wait."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bastion.controls.jobs import controls_refresh

    controls_refresh()
    times = []
    for _ in range(repeat):
        _changed()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            controls_refresh()
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return [
        {
            "change": "any change at one school",
            "queries": len(queries.captured_queries),
            "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 2),
        }
    ]


def measure_pages(repeat: int) -> list[dict]:
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    # Django clears the query log at each request's start; keep it so the count covers it all.
    request_started.disconnect(reset_queries)

    clients = _clients()
    rows = []
    for name, persona, url in pages():
        url = _resolve(url)
        client = clients[persona]
        fresh = EVALUATED.get(name, lambda: None)
        for _ in range(3):  # warm up caches and connections
            fresh()
            response = client.get(url)
        fresh()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        times = []
        for _ in range(repeat):
            fresh()
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        rows.append(
            {
                "page": name,
                "cold": name in EVALUATED,
                "as": persona,
                "url": url,
                "status": response.status_code,
                "queries": len(queries.captured_queries),
                "median_ms": round(statistics.median(times), 2),
                "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 2),
            }
        )
    floor = rows[0]["p95_ms"] or 0.01
    for row in rows:
        row["p95_vs_floor"] = round(row["p95_ms"] / floor, 1)
    return rows


# ---- imports and exports -------------------------------------------------------------------


def _peak(func) -> tuple[float, float]:
    """(seconds, peak MiB of Python allocations) for one call."""
    import tracemalloc

    tracemalloc.start()
    started = time.perf_counter()
    func()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 1048576
    tracemalloc.stop()
    return round(seconds, 2), round(peak, 1)


def measure_files(pupils: int) -> list[dict]:
    from django.db import transaction

    from bastion.accounts.models import User
    from bastion.agreements import evidence as agreement_evidence
    from bastion.assets.export import register_table
    from bastion.core.models import School
    from bastion.lib.exports import pdf_bytes, xlsx_bytes
    from bastion.people import import_jobs
    from bastion.people.views.scr import scr_people, scr_table
    from bastion.policy.document import build
    from bastion.policy.formats import document_bytes
    from bastion.policy.services import policy_for

    def export_table(school, fmt="xlsx"):
        people, cutoff = scr_people(school)
        return scr_table(school, people, cutoff, fmt=fmt, by=office)

    def breach_log_table(school):
        from bastion.incidents import log

        everything = log.Filters()
        incidents = log.log_incidents(school, everything)
        dpo = User.objects.get(email="dpo@bench-01.bench.example.org")
        return log.export_table(school, incidents, fmt="xlsx", by=dpo, filters=everything)

    def refresh_every_school():
        from bastion.controls.jobs import controls_refresh
        from bastion.controls.models import KeptEvaluation

        KeptEvaluation.objects.all().delete()
        controls_refresh()

    def governors_pdf():
        from django.utils import timezone

        from bastion.controls.report import governors_report
        from bastion.controls.status import statuses

        today = timezone.localdate()
        controls = list(statuses([school], today)[school.pk].values())
        return governors_report(school, controls, today, timezone.now())

    import tempfile

    from bastion.backups import dump, load
    from bastion.backups.scratch import scratch_database

    archive = Path(tempfile.mkdtemp(prefix="bench-backup-")) / "bench.bastion-backup"
    key = "bench-backup-passphrase"

    def backup_everything():
        with open(archive, "wb") as out:
            dump.write(out, key)

    def restore_test():
        with scratch_database() as alias:
            load.restore(str(archive), key, using=alias, record=False)

    def export_school():
        with open(archive.with_name("school"), "wb") as out:
            dump.write(out, key, school=school)

    school = School.objects.get(slug="bench-01")
    office = User.objects.get(email="office@bench-01.bench.example.org")
    lines = ["UPN,Forename,Surname,DOB,Year,Reg Group"]
    lines += [
        f"Z{i:011d}0,Pupil{i},Bench,2017-03-04,{1 + i % 6},{1 + i % 6}A" for i in range(pupils)
    ]
    csv_bytes = "\n".join(lines).encode()
    ctf = _ctf(500)
    rows = []

    def run_import(kind, filename, data):
        def go():
            with transaction.atomic():
                job = import_jobs.job_create(
                    actor=office, school=school, kind=kind, filename=filename, data=data
                )
                job = import_jobs.job_plan(job=job, mark_leavers=False)
                assert not job.errors, job.errors[:3]
                job.status = "queued"
                job.save(update_fields=["status"])
                import_jobs.job_run(job.pk, actor=office)
                transaction.set_rollback(True)  # leave the dataset as it was

        return go

    for name, func in (
        (
            f"import {pupils:,}-pupil CSV (plan + apply)",
            run_import("pupils", "pupils.csv", csv_bytes),
        ),
        ("import CTF, 500 pupils with contacts", run_import("ctf", "bench.xml", ctf)),
        ("export SCR as XLSX", lambda: xlsx_bytes(export_table(school))),
        ("export SCR as PDF", lambda: pdf_bytes(export_table(school, "pdf"))),
        (
            "export SCR as XLSX with a password",
            lambda: xlsx_bytes(export_table(school), "bench-pass"),
        ),
        ("export breach log as XLSX", lambda: xlsx_bytes(breach_log_table(school))),
        (
            "export agreement evidence as XLSX",
            lambda: xlsx_bytes(agreement_evidence.table(school, fmt="xlsx")[0]),
        ),
        ("export asset register as XLSX", lambda: xlsx_bytes(register_table(school))),
        ("policy as PDF", lambda: document_bytes(build(policy_for(school)), "pdf")),
        ("policy as DOCX", lambda: document_bytes(build(policy_for(school)), "docx")),
        ("governors' report (PDF)", governors_pdf),
        ("controls-refresh job, every school stale", refresh_every_school),
        ("backup of the whole installation", backup_everything),
        ("restore test of that backup (scratch SQLite)", restore_test),
        ("export one school's data", export_school),
    ):
        seconds, peak = _peak(func)
        rows.append({"task": name, "seconds": seconds, "peak_mib": peak})
    return rows


def _ctf(n: int) -> bytes:
    pupils = "".join(
        f"<Pupil><UPN>Y{i:011d}0</UPN><Surname>Bench</Surname><Forename>Ctf{i}</Forename>"
        f"<DOB>2016-05-0{1 + i % 9}</DOB>"
        f"<BasicDetails><NCyearActual>{1 + i % 6}</NCyearActual></BasicDetails>"
        f"<Contacts><Contact><Order>1</Order><Surname>Bench</Surname><Forename>Parent{i}</Forename>"
        f"<Relationship>PAM</Relationship><Responsibility>true</Responsibility>"
        f"<Email>ctf{i}@example.org</Email></Contact></Contacts></Pupil>"
        for i in range(n)
    )
    header = "<Header><DocumentName>Common Transfer File</DocumentName></Header>"
    xml = f'<?xml version="1.0"?><CTfile>{header}<CTFpupilData>{pupils}</CTFpupilData></CTfile>'
    return xml.encode()


# ---- load on a real server -----------------------------------------------------------------


def measure_load(seconds: int, connections: int, workers: int) -> list[dict]:
    """Serve with gunicorn on 127.0.0.1 and hammer two pages for a fixed time."""
    from bench.load import run_load

    return run_load(ROOT, seconds=seconds, connections=connections, workers=workers)


# ---- report --------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="trust", choices=["tiny", "school", "trust"])
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--load-seconds", type=int, default=10)
    parser.add_argument("--no-load", action="store_true")
    parser.add_argument("--pupils", type=int, default=25000, help="rows in the import benchmark")
    args = parser.parse_args(argv)
    label = setup_django(args.scale)
    started = time.perf_counter()
    dataset = ensure_database(args.scale, label)
    result = {
        "scale": args.scale,
        "database": label,
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
        "dataset": dataset,
        "pages": measure_pages(args.repeat),
        "refresh": measure_refresh(max(10, args.repeat // 5)),
        "files": measure_files(args.pupils),
    }
    if not args.no_load:
        result["load"] = measure_load(args.load_seconds, connections=4, workers=2)
    result["seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = result_path(args.scale)
    out.write_text(json.dumps(result, indent=2, default=str))
    print_report(result)
    print(f"\nWritten to {out.relative_to(ROOT)}")
    return 0


def print_report(result: dict) -> None:
    print(
        f"\nBastion benchmark: {result['scale']} scale on {result['database']}, {result['machine']}"
    )
    if not result["dataset"].get("reused"):
        print(
            f"dataset generated in {result['dataset'].get('seconds')} s: "
            + ", ".join(f"{k} {v:,}" for k, v in result["dataset"].items() if k != "seconds")
        )
    print(f"\n{'page':34} {'as':8} {'queries':>7} {'median ms':>10} {'p95 ms':>8} {'p95/floor':>9}")
    for row in result["pages"]:
        flag = "" if row["status"] == 200 else f"  HTTP {row['status']}"
        if row.get("cold"):
            flag += "  (cold start: nothing kept)"
        print(
            f"{row['page'][:34]:34} {row['as']:8} {row['queries']:>7} {row['median_ms']:>10} "
            f"{row['p95_ms']:>8} {row['p95_vs_floor']:>9}{flag}"
        )
    print("\nthe refresh job's run after a change at the bench school")
    print(f"{'change':34} {'queries':>7} {'median ms':>10} {'p95 ms':>8}")
    for row in result.get("refresh", []):
        print(f"{row['change']:34} {row['queries']:>7} {row['median_ms']:>10} {row['p95_ms']:>8}")
    print(f"\n{'task':44} {'seconds':>8} {'peak MiB':>9}")
    for row in result["files"]:
        print(f"{row['task'][:44]:44} {row['seconds']:>8} {row['peak_mib']:>9}")
    for row in result.get("load", []):
        print(
            f"\nload: {row['page']} for {row['seconds']} s, {row['connections']} connections, "
            f"{row['workers']} gunicorn workers: {row['requests_per_second']} req/s, "
            f"{row['errors']} errors, median {row['median_ms']} ms, p95 {row['p95_ms']} ms, "
            f"worker RSS {row['worker_rss_mib']} MiB"
        )


def compare(paths: list[Path]) -> None:
    """School and trust side by side: growth in time or queries is a bug to fix."""
    runs = [json.loads(p.read_text()) for p in paths]
    print(
        f"\n{'page':34} "
        + " ".join(f"{r['scale'] + ' q':>8} {r['scale'] + ' p95':>11}" for r in runs)
        + "  growth"
    )
    by_page = [{row["page"]: row for row in r["pages"]} for r in runs]
    for name in by_page[0]:
        cells, queries = [], []
        for page in by_page:
            row = page.get(name, {})
            cells.append(f"{row.get('queries', '-'):>8} {row.get('p95_ms', '-'):>11}")
            queries.append(row.get("queries"))
        grows = "QUERIES GROW" if len(set(queries)) > 1 else ""
        print(f"{name[:34]:34} " + " ".join(cells) + f"  {grows}")
    by_change = [{row["change"]: row for row in r.get("refresh", [])} for r in runs]
    for name in by_change[0]:
        rows = [change.get(name, {}) for change in by_change]
        cells = [f"{row.get('queries', '-'):>8} {row.get('p95_ms', '-'):>11}" for row in rows]
        grows = "QUERIES GROW" if len({row.get("queries") for row in rows}) > 1 else ""
        print(f"{('refresh: ' + name)[:34]:34} " + " ".join(cells) + f"  {grows}")


def result_path(scale: str) -> Path:
    label = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    return RESULTS / f"{scale}-{label}.json"


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "compare":
        compare([result_path(scale) for scale in sys.argv[2:]])
    else:
        sys.exit(main())
