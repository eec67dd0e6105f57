"""Build the Teams app package (manifest.json + icons in a zip) for upload to Teams admin center.

    python -m manifest.package [--bot-id <Entra app id>] [--app-id <GUID>] [--version 0.1.0] --out app.zip
    make package                                # the same, with the bot id from settings (MicrosoftAppId)

Without --bot-id the bot id is MicrosoftAppId from settings. Without --app-id the Teams app id is
derived from the bot id, so rebuilding the package updates the same Teams app instead of adding one.
The template keeps `${{BOT_ID}}` / `${{TEAMS_APP_ID}}` placeholders so no tenant's ids live in the
repository; every placeholder must be filled or the build stops.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import uuid
import zipfile
from pathlib import Path

MANIFEST_DIR = Path(__file__).resolve().parent
_PLACEHOLDER = re.compile(r"\$\{\{([A-Z_]+)\}\}")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class ManifestError(ValueError):
    pass


def render_manifest(values: dict[str, str], *, version: str | None = None) -> dict:
    """The manifest with placeholders replaced; raises ManifestError for a missing or bad value."""
    template = (MANIFEST_DIR / "manifest.json").read_text(encoding="utf-8")
    missing = sorted(set(_PLACEHOLDER.findall(template)) - set(values))
    if missing:
        raise ManifestError(f"missing values for: {', '.join(missing)}")
    for name, value in values.items():
        if name.endswith("_ID") and not _GUID.match(value):
            raise ManifestError(f"{name} must be a GUID, got {value!r}")
    manifest = json.loads(_PLACEHOLDER.sub(lambda m: values[m.group(1)], template))
    if version:
        manifest["version"] = version
    return manifest


def build_package(out: Path, *, bot_id: str, app_id: str, version: str | None = None) -> Path:
    manifest = render_manifest({"BOT_ID": bot_id, "TEAMS_APP_ID": app_id}, version=version)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        for icon in (manifest["icons"]["color"], manifest["icons"]["outline"]):
            package.write(MANIFEST_DIR / icon, icon)
    return out


def derived_app_id(bot_id: str) -> str:
    """A stable Teams app id for a bot id (the same bot always packages as the same app)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://reiki-bot.invalid/teams-app/{bot_id.lower()}"))


def _configured_bot_id() -> str:
    from settings import SettingsError, load_settings

    try:
        return load_settings().microsoft_app_id
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bot-id", help="the bot's Entra app id (default: MicrosoftAppId from settings)")
    parser.add_argument("--app-id", default=None, help="Teams app id (GUID); derived from the bot id if omitted")
    parser.add_argument("--version", default=None)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    bot_id = args.bot_id or _configured_bot_id()
    if not bot_id:
        print("error: no bot id: set MicrosoftAppId (settings / .env) or pass --bot-id", file=sys.stderr)
        return 2
    try:
        path = build_package(args.out, bot_id=bot_id, app_id=args.app_id or derived_app_id(bot_id),
                             version=args.version)
    except ManifestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
