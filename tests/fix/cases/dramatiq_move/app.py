"""Account exports."""
import shutil

from flask import Flask

app = Flask(__name__)


@app.post("/exports/<int:account_id>")
def export(account_id: int):
    archive = shutil.make_archive(f"/tmp/export-{account_id}", "zip", f"/srv/accounts/{account_id}")
    return {"archive": archive}
