"""Generated projects whose handlers reach work through helper call graphs: cycles, long chains,
helpers spread over several modules. Shared by the order-independence test and the crash corpus."""
from __future__ import annotations

import random
from pathlib import Path

HEAVY = '    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", path], check=True)\n'
BLOCKING = '    requests.get("https://api.example.com/" + path, timeout=5)\n'


def write_call_graph(root: Path, edges: dict[int, list[int]], work: dict[int, str], entries: list[int],
                     modules: int) -> None:
    """Helpers f0..fn-1 spread over `modules` modules of a package, a Flask handler per entry."""
    package = root / "app"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    home = {node: node % modules for node in edges}
    for m in range(modules):
        lines = ["import subprocess\n", "import requests\n"]
        lines += [f"from app.m{home[t]} import f{t}\n" for t in sorted({t for n in edges if home[n] == m
                                                                       for t in edges[n]}) if home[t] != m]
        for node in sorted(n for n in edges if home[n] == m):
            lines.append(f"\n\ndef f{node}(path):\n")
            lines += [f"    f{target}(path)\n" for target in edges[node]]
            lines.append({"heavy": HEAVY, "blocking": BLOCKING}.get(work.get(node, ""), "    return path\n"))
        (package / f"m{m}.py").write_text("".join(lines))
    views = ["from flask import Flask, request\n"]
    views += [f"from app.m{home[e]} import f{e}\n" for e in sorted(set(entries))]
    views.append("\napp = Flask(__name__)\n")
    for i, entry in enumerate(entries):
        views.append(f'\n\n@app.post("/h{i}")\ndef h{i}():\n    f{entry}(request.form["path"])\n    return "ok"\n')
    (package / "views.py").write_text("".join(views))


def random_graph(seed: int) -> tuple[dict[int, list[int]], dict[int, str], list[int], int]:
    rng = random.Random(seed)
    n = rng.randint(3, 14)
    edges = {i: sorted(rng.sample(range(n), rng.randint(0, min(3, n)))) for i in range(n)}
    work = {i: rng.choice(("heavy", "blocking")) for i in rng.sample(range(n), rng.randint(1, 3))}
    entries = [rng.randrange(n) for _ in range(rng.randint(2, 5))]
    return edges, work, entries, rng.randint(1, 3)
