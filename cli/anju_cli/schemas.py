"""`anju schemas export`: JSON Schema of every wire payload, for integrators."""

from __future__ import annotations

import json
from pathlib import Path

import typer

app = typer.Typer(help="JSON Schemas of the MQTT payloads.", no_args_is_help=True)


def schema_documents() -> dict[str, dict[str, object]]:
    from anju_common.events import MODELS

    return {kind: model.model_json_schema(mode="validation") for kind, model in MODELS.items()}


@app.command("export")
def export(out: Path = typer.Argument(Path("docs/schemas"), help="Folder to write to.")) -> None:
    """Write one <kind>.schema.json per payload kind."""
    from anju_common.cliargs import output_folder

    output_folder(out, "OUT", force=True)  # regenerating replaces the files
    for kind, doc in schema_documents().items():
        doc = {"$schema": "https://json-schema.org/draft/2020-12/schema", **doc}
        path = out / f"{kind}.schema.json"
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        typer.echo(path)
