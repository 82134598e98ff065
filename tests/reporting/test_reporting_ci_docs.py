"""docs/ci.md: its YAML and shell recipes parse, and call the CLI with options and formats that exist.

The recipes are copied into real pipelines; a renamed option or format would break them silently,
so every `greenit-async-lint` command in them is parsed with the real argument parsers.
"""
from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from greenit_async_lint.reporting import FORMATS
from greenit_async_lint.reporting.cli import OUTPUT_FORMATS, build_parser as merge_parser

DOC = Path(__file__).resolve().parents[2] / "docs" / "ci.md"
FENCE = re.compile(r"^( *)```(\w+)\n(.*?)^\1```", re.S | re.M)
CLI_FORMATS = {"text", "json", *FORMATS}


def blocks(language: str) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    out = []
    for indent, lang, body in FENCE.findall(text):
        if lang == language:
            out.append("\n".join(line[len(indent):] for line in body.splitlines()))
    return out


def yaml_docs() -> list[object]:
    return [yaml.safe_load(block) for block in blocks("yaml")]


def strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def commands() -> list[list[str]]:
    """Every greenit-async-lint command line in the YAML and bash recipes, as argv lists."""
    texts = [s for doc in yaml_docs() for s in strings(doc)] + blocks("bash")
    out = []
    for text in texts:
        for line in text.replace("\\\n", " ").splitlines():
            if line.strip().startswith("greenit-async-lint "):
                words = shlex.split(re.sub(r"\$\{\{[^}]*\}\}", "X", line))  # GitHub expressions
                out.append(words[1:])
    return out


def walk_steps(doc: object) -> Iterator[dict]:
    if isinstance(doc, dict):
        for job in (doc.get("jobs") or {}).values():
            yield from job.get("steps") or []
        if "steps" not in doc and "jobs" not in doc:
            return
    elif isinstance(doc, list):
        for item in doc:
            if isinstance(item, dict):
                yield item


def outputs_of(argv: list[str], fmt: str) -> list[str]:
    return [argv[i + 3] for i in range(len(argv) - 3)
            if argv[i] == "--format" and argv[i + 1] == fmt and argv[i + 2] == "--output"]


def test_every_yaml_block_parses():
    docs = yaml_docs()
    assert len(docs) >= 4
    assert all(isinstance(doc, (dict, list)) for doc in docs)


def test_commands_use_formats_that_exist():
    found = commands()
    assert len(found) >= 7
    used = set()
    for argv in found:
        for i, word in enumerate(argv):
            if word == "--format":
                used.add(argv[i + 1])
                assert argv[i + 1] in CLI_FORMATS, argv
    assert set(FORMATS) <= used, "every report format has a recipe"
    assert OUTPUT_FORMATS == ("json", *FORMATS)


def test_report_merge_commands_parse_with_the_merge_parser():
    merges = [argv[1:] for argv in commands() if argv[:2] == ["report", "merge"]]
    assert merges
    for argv in merges:
        merge_parser().parse_args(argv)


def test_check_commands_parse_with_the_real_cli():
    from greenit_async_lint.cli import build_parser

    checks = [argv for argv in commands() if argv[0] == "check"]
    assert len(checks) >= 5
    for argv in checks:
        try:
            build_parser().parse_args(argv)
        except SystemExit as exc:  # argparse reports the bad option on stderr
            pytest.fail(f"docs/ci.md: `greenit-async-lint {' '.join(argv)}` does not parse ({exc})")


def test_github_workflow_uploads_the_sarif_it_writes_and_fills_the_job_summary():
    # YAML 1.1 reads the key `on` as true: the first document with it is the workflow.
    workflow = next(d for d in yaml_docs() if isinstance(d, dict) and True in d)
    steps = list(walk_steps(workflow))
    check = next(s for s in steps if s.get("id") == "check")
    argv = shlex.split(check["run"])[1:]
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif"))
    assert upload["with"]["sarif_file"] in outputs_of(argv, "sarif")
    summary = next(s for s in steps if "GITHUB_STEP_SUMMARY" in str(s.get("run", "")))
    markdown_file = outputs_of(argv, "markdown")[0]
    assert f"cat {markdown_file} >>" in summary["run"]
    assert workflow["permissions"]["security-events"] == "write"


def test_gitlab_job_declares_the_reports_it_writes():
    job = next(d["greenit-async-lint"] for d in yaml_docs() if isinstance(d, dict) and "greenit-async-lint" in d)
    argv = shlex.split(job["script"][-1])[1:]
    assert job["artifacts"]["reports"]["codequality"] in outputs_of(argv, "gitlab")
    assert job["artifacts"]["reports"]["junit"] in outputs_of(argv, "junit")
    assert job["artifacts"]["when"] == "always"


def test_generic_junit_recipe_and_baseline_adoption_are_there():
    argvs = commands()
    assert ["check", ".", "--format", "junit", "--output", "report.xml"] in argvs
    assert any("--write-baseline" in argv for argv in argvs)
    assert any("--baseline" in argv and argv[0] == "check" for argv in argvs)
