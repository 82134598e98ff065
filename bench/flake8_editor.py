"""Benchmark: what an editor pays to lint one file of a 1,000-file project, flake8 plugin beside the CLI.

Generates a realistic Flask project in a temporary folder (an app factory, 80 feature packages of
12 modules each — views, services, models, forms, tasks... — shared helpers in `portal/lib/`, and
the file an editor lints, `portal/views.py`, whose handlers reach `soffice`, SMTP, HTTP in loops
and archives through helpers in other modules), then measures side by side, each as its own
process from the project root, median of --repeat runs:

- `flake8 portal/views.py` (every flake8 check, as an editor runs it) and
  `greenit-async-lint check portal/views.py`;
- cold (no summary cache: every module of the project is parsed), warm (nothing changed since
  the last run), and warm after an edit of views.py (the editor's lint-on-save case: only that
  file is summarised again);
- and the fixed cost: `flake8 empty.py` alone in a folder (flake8's start-up, every installed
  flake8 plugin, and this plugin's catalogue load; no project to analyse).

With --profile it also prints where the warm flake8 run spends its time: imports
(`python -X importtime`) and the heaviest calls (cProfile).

    python bench/flake8_editor.py [--repeat 5] [--files 1000] [--profile] [--keep]

Not a test: figures depend on the machine. Requires flake8 and this package installed.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

TIMEOUT = 600
FEATURE_MODULES = ("views", "services", "models", "forms", "serializers", "tasks", "utils",
                   "validators", "repository", "constants", "exports")  # + __init__ = 12 files

LIB = {
    "documents": '''
        """Document rendering and conversion helpers."""
        import subprocess
        from pathlib import Path

        SOFFICE = "soffice"


        def convert_to_pdf(source, outdir):
            subprocess.run([SOFFICE, "--headless", "--convert-to", "pdf", "--outdir", str(outdir), str(source)],
                           check=True, timeout=600)
            return Path(outdir) / (Path(source).stem + ".pdf")


        def render_html(template, context):
            return template.format(**context)
        ''',
    "mailer": '''
        """Outgoing mail."""
        import smtplib
        from email.message import EmailMessage


        def send_mail(to, subject, body):
            message = EmailMessage()
            message["To"], message["Subject"] = to, subject
            message.set_content(body)
            with smtplib.SMTP("localhost") as smtp:
                smtp.send_message(message)


        def send_digest(recipients, body):
            for address in recipients:
                send_mail(address, "Your digest", body)
        ''',
    "remote": '''
        """Calls to partner APIs."""
        import requests

        API = "https://partner.example.com/api"


        def fetch_rate(currency):
            return requests.get(f"{API}/rates/{currency}", timeout=10).json()["rate"]


        def push_record(record):
            return requests.post(f"{API}/records", json=record, timeout=10).status_code
        ''',
    "archive": '''
        """Archives of user files."""
        import zipfile


        def bundle(paths, target):
            with zipfile.ZipFile(target, "w") as archive:
                for path in paths:
                    archive.write(path)
            return target
        ''',
    "media": '''
        """Audio and video processing."""
        import subprocess


        def transcode(source, target):
            subprocess.run(["ffmpeg", "-i", str(source), str(target)], check=True)
            return target
        ''',
    "text": '''
        """Pure helpers: formatting and slugs."""
        import re

        _SLUG = re.compile(r"[^a-z0-9]+")


        def slugify(value):
            return _SLUG.sub("-", value.lower()).strip("-")


        def money(amount, currency="EUR"):
            return f"{amount:,.2f} {currency}"
        ''',
}


def _module(body: str) -> str:
    return textwrap.dedent(body).lstrip("\n")


def _filler(prefix: str, rng: random.Random) -> str:
    """Pure helper functions, so that modules have a realistic size (about 100 lines)."""
    out = []
    for k in range(rng.randint(6, 10)):
        a, b = rng.sample(["total", "count", "limit", "offset", "ratio", "weight", "score", "rank"], 2)
        out.append(textwrap.dedent(f'''

            def {prefix}_helper_{k}(rows, {a}=0, {b}=1):
                """Summarise rows for display ({k})."""
                result = {{}}
                for index, row in enumerate(rows):
                    key = str(row.get("name", index)).strip().lower()
                    if not key or key.startswith("_"):
                        continue
                    value = row.get("value", {a}) * {b} + index
                    result[key] = result.get(key, 0) + value
                ordered = sorted(result.items(), key=lambda item: (-item[1], item[0]))
                return [{{"key": key, "value": value}} for key, value in ordered[: {b} * 10 or None]]
            '''))
    return "".join(out)


def _feature(i: int, rng: random.Random) -> dict[str, str]:
    """One feature package: a blueprint with its services, models, forms, tasks..."""
    n = f"f{i:03d}"
    heavy = ["from ...lib.documents import convert_to_pdf", "from ...lib.archive import bundle",
             "from ...lib.media import transcode"][i % 3]
    heavy_call = ["convert_to_pdf(source, '/tmp/out')", "bundle([source], '/tmp/out.zip')",
                  "transcode(source, '/tmp/out.webm')"][i % 3]
    fields = [f"field_{k}" for k in range(rng.randint(6, 14))]
    files: dict[str, str] = {}
    files["__init__"] = f'"""Feature {n}."""\nfrom .views import bp\n\n__all__ = ["bp"]\n'
    files["constants"] = _module(f'''
        """Constants of feature {n}."""
        PAGE_SIZE = {rng.choice([20, 25, 50])}
        STATUSES = ("draft", "active", "archived")
        FIELDS = {tuple(fields)!r}
        ''')
    model_cols = "\n".join(f"    {f} = db.Column(db.String(120))" for f in fields)
    files["models"] = (f'"""Models of feature {n}."""\nfrom ...extensions import db\n\n\n'
                       f'class Item{i}(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n'
                       f'{model_cols}\n\n    def to_row(self):\n'
                       f'        return {{name: getattr(self, name) for name in {fields!r}}}\n')
    files["repository"] = _module(f'''
        """Queries of feature {n}."""
        from .constants import PAGE_SIZE
        from .models import Item{i}


        def page(number, query=None):
            items = Item{i}.query
            if query:
                items = items.filter(Item{i}.{fields[0]}.contains(query))
            return items.offset(number * PAGE_SIZE).limit(PAGE_SIZE).all()


        def get(item_id):
            return Item{i}.query.get_or_404(item_id)
        ''')
    checks = "\n".join(f"    if not data.get({f!r}):\n        errors.append({f!r})" for f in fields[:5])
    files["validators"] = (f'"""Input checks of feature {n}."""\n\n\ndef validate(data):\n'
                           f'    errors = []\n{checks}\n    return errors\n')
    files["forms"] = _module(f'''
        """Forms of feature {n}."""
        from .validators import validate


        class ItemForm:
            fields = {tuple(fields[:5])!r}

            def __init__(self, data):
                self.data = data
                self.errors = validate(data)

            def is_valid(self):
                return not self.errors
        ''')
    files["serializers"] = _module(f'''
        """Serialisation of feature {n}."""
        from ...lib.text import money, slugify


        def serialize(item):
            row = item.to_row()
            row["slug"] = slugify(str(row.get({fields[0]!r}, "")))
            row["price"] = money(len(row))
            return row
        ''')
    files["utils"] = _module(f'''
        """Helpers of feature {n}."""
        from pathlib import Path

        UPLOADS = Path("/srv/uploads/{n}")


        def upload_path(name):
            return UPLOADS / Path(name).name


        def chunks(items, size=100):
            for start in range(0, len(items), size):
                yield items[start:start + size]
        ''')
    files["services"] = _module(f'''
        """Business logic of feature {n}."""
        {heavy}
        from ...lib.mailer import send_mail
        from ...lib.remote import fetch_rate, push_record
        from . import repository
        from .serializers import serialize
        from .utils import upload_path


        def list_items(query=None, number=0):
            return [serialize(item) for item in repository.page(number, query)]


        def build_document(name):
            source = upload_path(name)
            return {heavy_call}


        def notify_owner(item_id, owner):
            item = repository.get(item_id)
            send_mail(owner, "Item {n} updated", str(item.to_row()))


        def sync_partner(items):
            for item in items:
                push_record(serialize(item))


        def price_in(currency, amount):
            return amount * fetch_rate(currency)
        ''')
    files["tasks"] = _module(f'''
        """Background jobs of feature {n}."""
        from ...extensions import celery
        from .services import build_document, sync_partner
        from . import repository


        @celery.task
        def build_document_job(name):
            return str(build_document(name))


        @celery.task
        def sync_partner_job(number):
            sync_partner(repository.page(number))
        ''')
    files["exports"] = _module(f'''
        """CSV export of feature {n} (small, bounded)."""
        import csv
        import io

        from .constants import FIELDS


        def to_csv(rows):
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=FIELDS)
            writer.writeheader()
            for row in rows[:500]:
                writer.writerow({{k: row.get(k) for k in FIELDS}})
            return buffer.getvalue()
        ''')
    files["views"] = _module(f'''
        """Pages of feature {n}."""
        from flask import Blueprint, jsonify, request

        from . import services
        from .exports import to_csv
        from .forms import ItemForm
        from .tasks import build_document_job, sync_partner_job

        bp = Blueprint("{n}", __name__, url_prefix="/{n}")


        @bp.get("/")
        def index():
            return jsonify(services.list_items(request.args.get("q"), int(request.args.get("page", 0))))


        @bp.post("/")
        def create():
            form = ItemForm(request.get_json())
            if not form.is_valid():
                return jsonify(errors=form.errors), 400
            return jsonify(ok=True), 201


        @bp.get("/export.csv")
        def export_csv():
            return to_csv(services.list_items())


        @bp.post("/<name>/document")
        def document(name):
            job = build_document_job.delay(name)
            return jsonify(status=f"/jobs/{{job.id}}"), 202


        @bp.post("/sync")
        def sync():
            {"sync_partner_job.delay(0)" if i % 4 else "services.sync_partner(request.get_json())"}
            return jsonify(ok=True), 202
        ''')
    for name in FEATURE_MODULES:
        files[name] += _filler(name, rng)
    return {f"portal/features/{n}/{name}.py": text for name, text in files.items()}


VIEWS = '''
"""The portal's own pages: the file an editor lints in this benchmark."""
from flask import Blueprint, jsonify, request, send_file

from .features.f003 import services as invoices
from .features.f017.services import sync_partner
from .features.f042.services import notify_owner, price_in
from .features.f061.tasks import build_document_job
from .lib.archive import bundle
from .lib.mailer import send_digest
from .tasks import rebuild_search_index

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    return jsonify(ok=True)


@bp.post("/invoices/<name>.pdf")
def invoice(name):
    return send_file(invoices.build_document(name))


@bp.post("/invoices/<name>/later")
def invoice_later(name):
    job = build_document_job.delay(name)
    return jsonify(status=f"/jobs/{job.id}"), 202


@bp.post("/partners/sync")
def partners_sync():
    sync_partner(request.get_json()["items"])
    return jsonify(ok=True)


@bp.get("/prices/<currency>")
def prices(currency):
    return jsonify([price_in(currency, amount) for amount in request.args.getlist("amount")])


@bp.post("/owners/notify")
def owners_notify():
    for item_id, owner in request.get_json().items():
        notify_owner(item_id, owner)
    return jsonify(ok=True)


@bp.post("/digest")
def digest():
    send_digest(request.get_json()["recipients"], "news")
    return jsonify(ok=True)


@bp.post("/downloads")
def downloads():
    return send_file(bundle(request.form.getlist("paths"), "/tmp/bundle.zip"))


@bp.post("/search/rebuild")
def search_rebuild():
    rebuild_search_index.delay()
    return jsonify(ok=True), 202
'''


def generate(root: Path, total: int = 1000, seed: int = 112) -> int:
    """Write the project under `root`; returns the number of Python files."""
    rng = random.Random(seed)
    files: dict[str, str] = {
        "pyproject.toml": '[project]\nname = "portal"\nversion = "1.0"\n',
        "portal/__init__.py": "",
        "portal/extensions.py": _module('''
            """Shared extension objects."""
            from celery import Celery
            from flask_sqlalchemy import SQLAlchemy

            celery = Celery("portal")
            db = SQLAlchemy()
            '''),
        "portal/tasks.py": _module('''
            """Portal-wide jobs."""
            from .extensions import celery


            @celery.task
            def rebuild_search_index():
                return None
            '''),
        "portal/views.py": VIEWS.lstrip("\n"),
        "portal/lib/__init__.py": "",
        "portal/features/__init__.py": "",
        "wsgi.py": "from portal import create_app\n\napp = create_app()\n",
    }
    for name, body in LIB.items():
        files[f"portal/lib/{name}.py"] = _module(body)
    features = (total - len([f for f in files if f.endswith(".py")]) - 1) // 12
    for i in range(features):
        files.update(_feature(i, rng))
    imports = "\n".join(f"    from .features.f{i:03d} import bp as bp_{i:03d}" for i in range(features))
    registers = "\n".join(f"    app.register_blueprint(bp_{i:03d})" for i in range(features))
    files["portal/__init__.py"] = (f'"""The portal app factory."""\nfrom flask import Flask\n\n\n'
                                   f'def create_app():\n    app = Flask(__name__)\n{imports}\n'
                                   f'    from .views import bp\n    app.register_blueprint(bp)\n'
                                   f'{registers}\n    return app\n')
    # Tests fill the count up to `total`, as in a real project.
    k = 0
    while len([f for f in files if f.endswith(".py")]) < total:
        files[f"tests/test_feature_{k:03d}.py"] = _module(f'''
            from portal.features.f{k % max(features, 1):03d}.validators import validate


            def test_validate_rejects_empty():
                assert validate({{}})
            ''')
        k += 1
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return sum(1 for f in files if f.endswith(".py"))


def _tool(name: str) -> list[str]:
    script = Path(sys.executable).with_name(name)
    return [str(script)] if script.exists() else [sys.executable, "-m", name.replace("-", "_")]


FLAKE8 = "flake8 portal/views.py"
CHECK = "greenit-async-lint check portal/views.py"
BASELINE = "flake8 empty.py, no project (fixed cost)"


def _commands() -> dict[str, list[str]]:
    return {FLAKE8: [sys.executable, "-m", "flake8", "portal/views.py"],
            CHECK: [*_tool("greenit-async-lint"), "check", "portal/views.py"]}


def _run(cmd: list[str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed, done.stdout


def _edit(views: Path, n: int) -> None:
    text = views.read_text("utf-8")
    text = re.sub(r"\n# edit \d+\n$", "\n", text)
    views.write_text(text + f"\n# edit {n}\n", encoding="utf-8")


def measure(project: Path, repeat: int) -> dict[str, dict[str, list[float]]]:
    cache = project / ".greenit-cache"
    views = project / "portal/views.py"
    results: dict[str, dict[str, list[float]]] = {name: {"cold": [], "warm": [], "edited": []} for name in _commands()}
    results[BASELINE] = {"cold": [], "warm": [], "edited": []}
    lone = project.parent / "lone"
    lone.mkdir(exist_ok=True)
    (lone / "setup.cfg").write_text("")
    (lone / "empty.py").write_text("")
    outputs: dict[str, str] = {}
    for round_ in range(repeat):
        for name, cmd in _commands().items():  # interleaved: both tools see the same machine state
            shutil.rmtree(cache, ignore_errors=True)
            elapsed, out = _run(cmd, project)
            results[name]["cold"].append(elapsed)
            outputs[name] = out
            _run(cmd, project)  # settle the cache after the cold run
            results[name]["warm"].append(_run(cmd, project)[0])
            _edit(views, round_)
            results[name]["edited"].append(_run(cmd, project)[0])
        baseline = _run([sys.executable, "-m", "flake8", "empty.py"], lone)[0]
        for column in ("cold", "warm", "edited"):
            results[BASELINE][column].append(baseline)
    gal = {name: sorted(line for line in out.splitlines() if re.search(r": GAL\d{3} ", line))
           for name, out in outputs.items()}
    assert gal[FLAKE8] == gal[CHECK] and len(gal[FLAKE8]) == 6, gal  # the same six findings
    print("findings in portal/views.py: " + ", ".join(f"{n.split()[0]} {len(v)}" for n, v in gal.items()))
    return results


def report(results: dict[str, dict[str, list[float]]], files: int, repeat: int) -> None:
    print(f"\n{files} Python files; wall time in seconds, median of {repeat} runs (min-max)\n")
    print(f"{'command':44} {'cold':>18} {'warm':>18} {'warm, views.py edited':>24}")
    for name, runs in results.items():
        cells = [f"{statistics.median(v):.3f} ({min(v):.2f}-{max(v):.2f})" for v in runs.values()]
        print(f"{name:44} {cells[0]:>18} {cells[1]:>18} {cells[2]:>24}")
    version = subprocess.run([sys.executable, "-m", "flake8", "--version"], capture_output=True, text=True,
                             timeout=TIMEOUT).stdout.replace("\n", " ")
    print(f"\nflake8 plugins installed: {version.strip()}")


_PROFILED = {  # (module path fragment, function): what the time is spent on
    ("flake8/plugins/finder.py", "load_plugins"): "flake8: import every installed plugin",
    ("flake8/checker.py", "run_checks"): "flake8: all checks of the file",
    ("greenit_async_lint/engine.py", "analyse"): "engine: analyse",
    ("greenit_async_lint/catalogue.py", "load_catalogue"): "engine: parse the YAML catalogue",
    ("greenit_async_lint/engine.py", "_scope"): "engine: walk the project for files",
    ("greenit_async_lint/resultcache.py", "fingerprint"): "engine: stat every file (result cache key)",
    ("greenit_async_lint/resultcache.py", "load"): "engine: read the result cache",
    ("greenit_async_lint/loader.py", "__init__"): "engine: unpickle the summary cache",
    ("greenit_async_lint/loader.py", "load"): "engine: summaries (cache + parse changed files)",
    ("greenit_async_lint/project.py", "__init__"): "engine: build the project index",
    ("greenit_async_lint/handlers.py", "find"): "engine: find handlers (whole project)",
    ("greenit_async_lint/reach.py", "function_effects"): "engine: follow calls from the handlers",
}


def _profile_run(project: Path, label: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "flake8.prof"
        subprocess.run([sys.executable, "-m", "cProfile", "-o", str(out), "-m", "flake8", "portal/views.py"],
                       cwd=project, capture_output=True, timeout=TIMEOUT)
        import pstats

        stats = pstats.Stats(str(out)).stats  # type: ignore[attr-defined]
    rows: dict[str, float] = {}
    total = 0.0
    for (file, _line, func), (_cc, _nc, _tt, cumulative, _callers) in stats.items():
        short = file.replace("\\", "/")
        if func == "<module>" and short.endswith("flake8/__main__.py"):
            total = cumulative
        for (fragment, name), what in _PROFILED.items():
            if func == name and short.endswith(fragment):
                rows[what] = max(rows.get(what, 0.0), cumulative)
    print(f"\ncProfile, {label} (cumulative seconds; the flake8 run {total:.3f} s under the profiler):")
    for what, seconds in sorted(rows.items(), key=lambda kv: -kv[1]):
        print(f"  {seconds:7.3f}  {what}")


def profile(project: Path) -> None:
    """Where `flake8 portal/views.py` spends its time: imports, then cProfile warm and after an edit."""
    cmd = [sys.executable, "-m", "flake8", "portal/views.py"]
    _run(cmd, project)
    _run(cmd, project)  # warm
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "flake8", "portal/views.py"], cwd=project,
                          capture_output=True, text=True, timeout=TIMEOUT)
    top: dict[str, int] = {}
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if match and len(match.group(2)) <= 1:  # top-level imports only: their cumulative time
            top[match.group(3)] = top.get(match.group(3), 0) + int(match.group(1))
    print("\nimports of a warm run (python -X importtime, cumulative, top-level modules):")
    for name, us in sorted(top.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  {us / 1000:8.1f} ms  {name}")
    print(f"  {sum(top.values()) / 1000:8.1f} ms  total")
    _profile_run(project, "warm run, nothing changed")
    _edit(project / "portal/views.py", 999)
    _profile_run(project, "warm run after an edit of views.py")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--profile", action="store_true", help="also show imports and a cProfile of a warm run")
    parser.add_argument("--keep", action="store_true", help="keep the generated project and print its path")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="gal-editor-bench-"))
    try:
        project = tmp / "portal-project"
        files = generate(project, args.files)
        subprocess.run(["git", "init", "-q", str(project)], check=False, timeout=60)
        results = measure(project, args.repeat)
        report(results, files, args.repeat)
        if args.profile:
            profile(project)
        print(f"\nmachine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    finally:
        if args.keep:
            print(f"project kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
