"""PDF rendering."""
from weasyprint import HTML


def render_pdf(report_id: int) -> bytes:
    return HTML(string=f"<h1>Report {report_id}</h1>").write_pdf()
