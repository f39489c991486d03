"""Downloads: any facilitator table as CSV, and the whole dialogue in the Pol.is export format as a zip."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from fastapi.responses import Response
from sqlalchemy.orm import Session

from workingup.services.polis_io import export_polis
from workingup.store import models
from workingup.web.tables import build_table, to_csv


def csv_response(session: Session, dialogue: models.Dialogue, name: str, params: dict[str, str]) -> Response:
    table = build_table(session, dialogue, name, params)
    return Response(
        to_csv(table),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{dialogue.slug}-{table.name}.csv"'},
    )


def polis_zip_response(session: Session, dialogue: models.Dialogue) -> Response:
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
