"""Downloads: any facilitator table as CSV, and the whole dialogue in the Pol.is export format as a zip."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from fastapi.responses import Response
from sqlalchemy.orm import Session

from workingup.services import records
from workingup.services.analysis import DialogueAnalysis
from workingup.services.polis_io import export_polis
from workingup.web.tables import build_table, to_csv

REPORT_MEDIA = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "md": "text/markdown; charset=utf-8",
}
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'"
)
"""The report is one self-contained document with its own inline style and no script: nothing else may load."""


def report_response(
    session: Session,
    dialogue: records.Dialogue,
    fmt: str,
    *,
    download: bool,
    analysis: DialogueAnalysis | None = None,
) -> Response:
    """The final report in `fmt` (a key of REPORT_MEDIA), the same from the facilitator's page and the API.

    `analysis`: the dialogue's analysis, from the app's `ReportAnalyses` (computing one took most of the time).
    """
    from workingup.report.build import build_report
    from workingup.report.render import render as render_report

    payload = render_report(build_report(session, dialogue, analysis=analysis), fmt)
    headers = {"Content-Security-Policy": REPORT_CSP}
    if download or fmt != "html":
        headers["Content-Disposition"] = f'attachment; filename="{dialogue.slug}-report.{fmt}"'
    return Response(payload, media_type=REPORT_MEDIA[fmt], headers=headers)


def csv_response(session: Session, dialogue: records.Dialogue, name: str, params: dict[str, str]) -> Response:
    table = build_table(session, dialogue, name, params)
    return Response(
        to_csv(table),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{dialogue.slug}-{table.name}.csv"'},
    )


def polis_zip_response(session: Session, dialogue: records.Dialogue) -> Response:
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        paths = export_polis(session, dialogue, Path(folder))
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in paths:
                archive.write(path, arcname=f"{dialogue.slug}/{path.name}")
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{dialogue.slug}-polis.zip"'},
    )
