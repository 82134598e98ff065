"""Report rendering with LibreOffice: minutes for a big report."""
import subprocess
from pathlib import Path

OUT = Path("/srv/reports")


def build_report(name: str) -> Path:
    source = OUT / f"{name}.odt"
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(OUT), str(source)], check=True)
    return OUT / f"{name}.pdf"
