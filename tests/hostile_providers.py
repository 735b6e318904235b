"""Providers that send workflow commands in every place their text reaches the output.

An error body, the top-level keys of a listing without a model list (the "keys:" hint), model
ids and names, and field names that change (the ``<summary>`` line of the report).
"""

from __future__ import annotations

import json
from pathlib import Path

from provider_server import ProviderServer, Reply, fixed

# Each is a command for the runner in one of the forms it reads (see runner_rules.py).
INJECTIONS = (
    "::set-output name=pull-request-url::https://evil.example",
    "##[set-output name=pull-request-url;]https://evil.example",
    "::error title=fake::HOSTILE",
    "##[error title=fake]HOSTILE",
    "x\r::warning::HOSTILE",
    "#\u200b#[add-matcher]HOSTILE.json",
    "::group::HOSTILE",
)
ERROR_BODY = {"error": "bad key ##[set-output name=pull-request-url;]https://evil.example"}
NAMES = ("deny", "keys", "names")  # the providers, in the config's order


def _models(value: int) -> list[dict]:
    return [
        {"id": text, "name": text, "description": text, f"field {text}": value}
        for text in INJECTIONS
    ]


def previous_listing() -> dict:
    """``names``' previous file: the same models with other field values, and one more."""
    return {"data": [*_models(1), {"id": "gone " + INJECTIONS[1], "name": INJECTIONS[0]}]}


def route_hostile(server: ProviderServer) -> None:
    """``/deny`` answers 401 with a command in its body, ``/keys`` a document of command keys,
    ``/names`` models whose ids, names and field names are commands."""
    server.route("/deny/models", fixed(Reply(401, ERROR_BODY)))
    server.route("/keys/models", fixed(Reply(200, {text: 1 for text in INJECTIONS})))
    server.route("/names/models", fixed(Reply(200, {"data": [*_models(2), {"id": "new"}]})))


def config_lines(server: ProviderServer) -> list[str]:
    """The config's ``providers:`` entries for the three (keyless)."""
    return [f"  {name}: {{endpoint: '{server.url}/{name}', auth: none}}" for name in NAMES]


def write_previous(output_dir: Path) -> None:
    """The previous ``names.json``, so that the run reports changed fields."""
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "names.json").write_text(json.dumps(previous_listing(), indent=2) + "\n")
