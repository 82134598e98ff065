"""Task-queue jobs: work moved out of the request path (GreenIT practice 112)."""
import dramatiq
import shutil


@dramatiq.actor
def export_task(account_id: int):
    """The work of the `export` handler (app), run by the task queue (Dramatiq), not in the request."""
    shutil.make_archive(f"/srv/exports/{account_id}", "zip", f"/srv/accounts/{account_id}")
