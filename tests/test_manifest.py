"""The Teams app package: placeholders filled, icons as Teams requires, valid against the official
manifest schema (from npm @microsoft/app-manifest, installed with the e2e tools)."""
import json
import os
import re
import struct
import zipfile

import pytest

from manifest.package import MANIFEST_DIR, ManifestError, build_package, derived_app_id, main, render_manifest
from tests.conftest import ROOT

BOT_ID = "11111111-2222-3333-4444-555555555555"
APP_ID = "66666666-7777-8888-9999-000000000000"
SCHEMA = (ROOT / "tests" / "e2e" / "node_modules" / "@microsoft" / "app-manifest" / "build"
          / "json-schemas" / "teams" / "v1.19" / "MicrosoftTeams.schema.json")


def _png_size(path):
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_package_contains_filled_manifest_and_icons(tmp_path):
    out = build_package(tmp_path / "app.zip", bot_id=BOT_ID, app_id=APP_ID, version="1.2.3")
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == BOT_ID
    assert manifest["version"] == "1.2.3"
    assert "${{" not in json.dumps(manifest)


def test_icons_have_the_sizes_teams_requires():
    assert _png_size(MANIFEST_DIR / "color.png") == (192, 192)
    assert _png_size(MANIFEST_DIR / "outline.png") == (32, 32)


@pytest.mark.parametrize("values, message", [
    ({"BOT_ID": BOT_ID}, "missing values for: TEAMS_APP_ID"),
    ({"BOT_ID": "not-a-guid", "TEAMS_APP_ID": APP_ID}, "BOT_ID must be a GUID"),
])
def test_bad_ids_are_refused(values, message):
    with pytest.raises(ManifestError, match=message):
        render_manifest(values)


def test_cli_reports_errors_without_traceback(tmp_path, capsys):
    assert main(["--bot-id", "nope", "--out", str(tmp_path / "a.zip")]) == 2
    assert "BOT_ID must be a GUID" in capsys.readouterr().err


def test_manifest_is_valid_against_the_official_schema():
    if not SCHEMA.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{SCHEMA} missing: run scripts/install-e2e-deps.sh")
        pytest.skip("Teams manifest schema not installed (scripts/install-e2e-deps.sh)")
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    manifest = render_manifest({"BOT_ID": BOT_ID, "TEAMS_APP_ID": APP_ID})
    jsonschema.Draft7Validator(schema).validate(manifest)
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80


def test_prompt_starters_are_japanese_examples_and_admin_commands_are_not_advertised():
    manifest = render_manifest({"BOT_ID": BOT_ID, "TEAMS_APP_ID": APP_ID})
    [command_list] = manifest["bots"][0]["commandLists"]
    titles = [command["title"] for command in command_list["commands"]]
    assert 3 <= len(titles) <= 10
    assert not {"/status", "/reindex"} & set(titles)
    questions = [t for t in titles if not t.startswith("/")]
    assert len(questions) >= 3 and all(re.search(r"[\u3040-\u9fff]", q) for q in questions)
    assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in command_list["commands"])


def test_package_without_ids_uses_the_configured_bot_id_and_a_stable_app_id(tmp_path, monkeypatch):
    monkeypatch.setenv("MicrosoftAppId", BOT_ID)
    monkeypatch.setenv("MicrosoftAppPassword", "unused-here")
    assert main(["--out", str(tmp_path / "a.zip")]) == 0
    assert main(["--out", str(tmp_path / "b.zip")]) == 0
    manifests = [json.loads(zipfile.ZipFile(tmp_path / n).read("manifest.json")) for n in ("a.zip", "b.zip")]
    assert manifests[0]["bots"][0]["botId"] == BOT_ID
    assert manifests[0]["id"] == manifests[1]["id"] == derived_app_id(BOT_ID)


def test_package_without_any_bot_id_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MicrosoftAppId", "")
    assert main(["--out", str(tmp_path / "a.zip")]) == 2
    assert "no bot id" in capsys.readouterr().err
