"""Account exports."""
import shutil

from flask import Flask

app = Flask(__name__)


@app.post("/exports/<int:account_id>")
def export(account_id: int):
    shutil.make_archive(f"/srv/exports/{account_id}", "zip", f"/srv/accounts/{account_id}")
    return {"account": account_id}
