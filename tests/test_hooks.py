"""Framework hooks a call runs without naming them (analysis/hooks.py), one small program each."""
from __future__ import annotations

from pathlib import Path

from greenit_async_lint.analysis.engine import analyse
from greenit_async_lint.config import Config

FORMS = '''
import requests
import wtforms
from flask import Flask, request

app = Flask(__name__)

class OwnerForm(wtforms.Form):
    owner = wtforms.StringField()

    def validate_owner(self, field):
        requests.get(f"https://api.example.com/users/{field.data}", timeout=5)

class LocalOwnerForm(OwnerForm):
    def validate_owner(self, field):
        if not field.data.isidentifier():
            raise wtforms.ValidationError("not a name")

class Labelled(OwnerForm):
    pass

class DiamondOwnerForm(Labelled, LocalOwnerForm):
    pass

class CheckedOwnerForm(OwnerForm):
    def validate_owner(self, field):
        super().validate_owner(field)

@app.post("/remote")
def remote():
    return {"valid": OwnerForm(request.form).validate()}

@app.post("/local")
def local():
    return {"valid": LocalOwnerForm(request.form).validate()}

@app.post("/diamond")
def diamond():
    return {"valid": DiamondOwnerForm(request.form).validate()}

@app.post("/checked")
def checked():
    return {"valid": CheckedOwnerForm(request.form).validate()}
'''


def test_validate_runs_the_override_of_a_hook_not_the_base_method_it_replaces(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(FORMS)
    report = analyse(["."], Config(cache=False, jobs=1), cwd=tmp_path)
    # `local`'s form overrides the remote validator, and so does `diamond`'s, through its second base
    # (Python's order: DiamondOwnerForm, Labelled, LocalOwnerForm, OwnerForm); `checked`'s calls the
    # remote one through super().
    assert sorted(f.handler.qualname for f in report.findings if f.handler) == ["checked", "remote"]
