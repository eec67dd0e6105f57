"""Fast sanity checks of infra/ (Bicep) without a Bicep compiler or checkov.

No Bicep compiler can be installed here, so these read the templates as text: the app settings
they set must be settings the app reads, the module wiring must match the modules' parameters
and outputs, no secret may be written into them, and the 閉域 switch must really turn public
access off. The checkov gate's own logic (scripts/check-infra.sh) is driven by a fake checkov that
prints canned summaries; the real checkov run is `make check-infra`.
"""
from __future__ import annotations

import asyncio
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
from pydantic import AliasChoices

from retrieval.azure_credentials import graph_credential
from settings import Settings

ROOT = Path(__file__).resolve().parent.parent
INFRA = ROOT / "infra"
MAIN = INFRA / "main.bicep"
MODULES = INFRA / "modules"
BICEP_FILES = sorted(INFRA.rglob("*.bicep"))

# Names the App Service platform reads itself, not our settings.py.
PLATFORM_SETTINGS = {
    "APPLICATIONINSIGHTS_CONNECTION_STRING",  # Azure Monitor agent / OpenTelemetry distro
    "ApplicationInsightsAgent_EXTENSION_VERSION",  # turns the App Service agent on
    "SCM_DO_BUILD_DURING_DEPLOYMENT",  # pip install -r requirements.txt on zip deploy
    "WEBSITES_PORT",  # the port App Service forwards to
}

# An app setting entry: `name: 'X'` directly followed by `value: <expression>`.
_SETTING = re.compile(r"name:\s*'([^']+)'\s*\n\s*value:\s*([^\n]+)")
_STRING_VAR = re.compile(r"^var (\w+) = '([^']*)'", re.MULTILINE)


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _app_settings() -> dict[str, str]:
    """Every app setting any template sets: name -> the Bicep value expression."""
    found: dict[str, str] = {}
    for path in BICEP_FILES:
        for name, value in _SETTING.findall(_text(path)):
            found[name] = value.strip()
    return found


def _settings_names() -> set[str]:
    names: set[str] = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, str):
            names.add(alias)
        elif isinstance(alias, AliasChoices):
            names.update(choice for choice in alias.choices if isinstance(choice, str))
    return names


def _block(text: str, start: int) -> str:
    """The text of the brace block that opens at or after `start`."""
    depth, begin = 0, text.index("{", start)
    for pos in range(begin, len(text)):
        depth += {"{": 1, "}": -1}.get(text[pos], 0)
        if depth == 0:
            return text[begin:pos + 1]
    raise AssertionError("unbalanced braces")


def _resource(text: str, symbol: str) -> str:
    match = re.search(rf"^resource {symbol} '[^']+' = ", text, re.MULTILINE)
    assert match, f"resource {symbol} not found"
    return _block(text, match.end())


# --- app settings ------------------------------------------------------------------------------
def test_every_app_setting_is_read_by_settings_py():
    found = _app_settings()
    unknown = set(found) - _settings_names() - PLATFORM_SETTINGS
    assert not unknown, f"app settings that settings.py does not read: {sorted(unknown)}"
    # The allowlist must not hide stale names.
    assert PLATFORM_SETTINGS <= set(found)


def test_the_azure_path_settings_are_all_set():
    found = _app_settings()
    required = {
        "MicrosoftAppId", "MicrosoftAppType", "MicrosoftAppTenantId",
        "REIKI_SEARCH_BACKEND", "REIKI_ANSWERER",
        "REIKI_AZURE_SEARCH_ENDPOINT", "REIKI_AZURE_SEARCH_INDEX",
        "REIKI_AZURE_OPENAI_ENDPOINT", "REIKI_AZURE_OPENAI_CHAT_DEPLOYMENT",
        "REIKI_AZURE_OPENAI_EMBEDDING_DEPLOYMENT", "REIKI_AZURE_CLIENT_ID",
        "REIKI_HOST", "REIKI_PORT", "APPLICATIONINSIGHTS_CONNECTION_STRING",
    }
    assert required <= set(found), sorted(required - set(found))
    assert found["REIKI_SEARCH_BACKEND"] == "'azure'"
    assert found["REIKI_ANSWERER"] == "'llm'"
    assert found["REIKI_HOST"] == "'0.0.0.0'"


# What the deployment-time expressions evaluate to with main.bicep's defaults (botAuth=UserAssignedMSI)
# where they are not a literal or a main.bicep parameter's default.
_PLAUSIBLE = {
    "MicrosoftAppId": "00000000-0000-0000-0000-000000000001",
    "MicrosoftAppType": "UserAssignedMSI",
    "MicrosoftAppTenantId": "00000000-0000-0000-0000-000000000002",
    "REIKI_AZURE_SEARCH_ENDPOINT": "https://srch-reiki-abcde.search.windows.net",
    "REIKI_AZURE_OPENAI_ENDPOINT": "https://oai-reiki-abcde.openai.azure.com/",
    "REIKI_AZURE_OPENAI_CHAT_DEPLOYMENT": "chat",
    "REIKI_AZURE_OPENAI_EMBEDDING_DEPLOYMENT": "embedding",
    "REIKI_AZURE_CLIENT_ID": "00000000-0000-0000-0000-000000000001",
    # primaryEndpoints.table of a storage account: scheme, host and a trailing slash.
    "REIKI_STATE_TABLE_ENDPOINT": "https://streikiabcde.table.core.windows.net/",
}
_STRING_DEFAULT = re.compile(r"^param (\w+) string = '([^']*)'$", re.MULTILINE)
_INT_DEFAULT = re.compile(r"^param (\w+) int = (\d+)$", re.MULTILINE)


def _module_params(symbol: str) -> dict[str, str]:
    """The `params:` main.bicep passes to one module call: name -> expression."""
    main = _text(MAIN)
    block = _block(main, re.search(rf"^module {symbol} ", main, re.MULTILINE).end())
    params_block = _block(block, block.index("params:"))
    return dict(re.findall(r"^    (\w+): ([^\n]+)$", params_block, re.MULTILINE))


def _main_default(expression: str) -> str | None:
    """The default of a main.bicep parameter (or of the module output that only echoes one)."""
    main = _text(MAIN)
    defaults = {**dict(_INT_DEFAULT.findall(main)), **dict(_STRING_DEFAULT.findall(main))}
    if expression == "storage.outputs.tableName":  # the table is named by the parameter passed in
        expression = _module_params("storage")["tableName"]
    return defaults.get(expression)


def _deployed_settings() -> dict[str, str]:
    """The app settings as deployed with main.bicep's defaults, platform names left out."""
    app_bicep = _text(MODULES / "appservice.bicep")
    string_vars = dict(_STRING_VAR.findall(app_bicep))
    from_main = _module_params("app")
    values: dict[str, str] = {}
    for name, expression in _app_settings().items():
        if name in PLATFORM_SETTINGS or "@Microsoft.KeyVault" in expression:
            continue  # the Key Vault reference exists only for botAuth=SingleTenant
        expression = re.sub(r"^string\((\w+)\)$", r"\1", expression)  # an int parameter as text
        if re.fullmatch(r"'[^']*'", expression):
            values[name] = expression[1:-1]
        elif expression in string_vars:
            values[name] = string_vars[expression]
        elif (default := _main_default(from_main.get(expression, ""))) is not None:
            values[name] = default
        else:
            assert name in _PLAUSIBLE, f"no plausible value for {name} = {expression}"
            values[name] = _PLAUSIBLE[name]
    return values


def _settings_from(monkeypatch, values: dict[str, str]) -> Settings:
    for name in _settings_names():
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)


def test_the_deployed_settings_pass_the_apps_own_validation(monkeypatch):
    """Feed the settings as deployed (expressions replaced by plausible values) to Settings."""
    assert re.search(r"^param botAuth string = 'UserAssignedMSI'$", _text(MAIN), re.MULTILINE)
    settings = _settings_from(monkeypatch, _deployed_settings())
    assert settings.search_backend == "azure" and settings.answerer == "llm"
    assert settings.microsoft_app_type == "UserAssignedMSI"
    assert settings.host == "0.0.0.0" and settings.port == 8000
    assert settings.azure_client_id and settings.llm_configured
    # The parameters with the app's own defaults deploy exactly those defaults.
    for field in ("sensitivity_label", "sensitivity_description", "help_desk", "group_resolver",
                  "azure_openai_embedding_model", "azure_openai_embedding_dimensions", "state_table_name"):
        assert getattr(settings, field) == Settings.model_fields[field].default, field


def test_the_deployed_state_settings_build_the_shared_table_store(monkeypatch):
    """Every instance shares one Azure Table, reached as the managed identity, not a SQLite file."""
    from azure.identity.aio import ManagedIdentityCredential

    from state.factory import build_store
    from state.table_store import TableStateStore

    deployed = _deployed_settings()
    assert "REIKI_STATE_PATH" not in deployed  # a file on /home would split state per instance
    assert "REIKI_STATE_TABLE_CONNECTION_STRING" not in deployed  # no keys: shared keys are off
    settings = _settings_from(monkeypatch, deployed)
    assert settings.state_backend == "azure_table"
    store = build_store(settings)
    try:
        assert isinstance(store, TableStateStore)
        client = store._client  # the real azure-data-tables client, nothing sent yet
        assert client.url == "https://streikiabcde.table.core.windows.net"
        assert client.account_name == "streikiabcde"
        assert client.table_name == _main_default("stateTableName") == settings.state_table_name
        assert isinstance(store._credential, ManagedIdentityCredential)
    finally:
        asyncio.run(store.aclose())


@pytest.mark.parametrize("choice", re.search(r"@allowed\(\[\n((?:\s+'\w+'\n)+)\]\)\nparam groupResolver ",
                                            _text(MAIN)).group(1).split())
def test_each_group_resolver_choice_is_a_valid_deployment(monkeypatch, choice):
    import services

    choice = choice.strip("'")
    settings = _settings_from(monkeypatch, {**_deployed_settings(), "REIKI_GROUP_RESOLVER": choice})
    assert settings.group_resolver == choice
    resolver = services.group_resolver(settings)
    if choice == "none":
        assert resolver is None
        return
    # graph: Microsoft Graph as the app's managed identity; no Graph secret exists to deploy.
    from azure.identity.aio import ManagedIdentityCredential

    assert resolver is not None
    credential = graph_credential(settings)
    try:
        assert isinstance(credential, ManagedIdentityCredential)
    finally:
        asyncio.run(credential.close())


def test_the_graph_grant_is_documented():
    readme = _text(INFRA / "README.md")
    assert "GroupMember.Read.All" in readme and "appRoleAssignments" in readme
    assert re.search(r"^output appPrincipalId string = appIdentity.outputs.principalId$", _text(MAIN), re.MULTILINE)


def test_the_health_check_path_is_the_apps_route():
    site = _resource(_text(MODULES / "appservice.bicep"), "site")
    path = re.search(r"healthCheckPath:\s*'([^']+)'", site).group(1)
    assert f'add_get("{path}"' in _text(ROOT / "app.py")


def test_the_host_is_locked_down():
    site = _resource(_text(MODULES / "appservice.bicep"), "site")
    for expected in ("httpsOnly: true", "minTlsVersion: '1.2'", "ftpsState: 'Disabled'",
                     "linuxFxVersion: 'PYTHON|3.11'", "type: 'UserAssigned'",
                     "ipSecurityRestrictionsDefaultAction: 'Deny'", "ipAddress: 'AzureBotService'"):
        assert expected in site, expected


def test_bot_is_the_user_assigned_identity_with_the_teams_channel():
    bot = _text(MODULES / "bot.bicep")
    assert "msaAppType: botAuth" in bot
    assert "msaAppMSIResourceId: botAuth == 'UserAssignedMSI' ? identityResourceId : null" in bot
    assert "channelName: 'MsTeamsChannel'" in bot
    main = _text(MAIN)
    assert "var botAppId = botAuth == 'UserAssignedMSI' ? appIdentity.outputs.clientId" in main


# --- no keys, no secrets -----------------------------------------------------------------------
def test_data_services_accept_entra_id_only():
    search = _resource(_text(MODULES / "search.bicep"), "search")
    openai = _resource(_text(MODULES / "openai.bicep"), "account")
    assert "disableLocalAuth: true" in search and "authOptions" not in search
    assert "semanticSearch: semanticSearch" in search
    assert "disableLocalAuth: true" in openai and "customSubDomainName:" in openai
    storage = _resource(_text(MODULES / "storage.bicep"), "account")
    for expected in ("allowSharedKeyAccess: false", "defaultToOAuthAuthentication: true",
                     "supportsHttpsTrafficOnly: true", "minimumTlsVersion: 'TLS1_2'",
                     "allowBlobPublicAccess: false", "requireInfrastructureEncryption: true",
                     "kind: 'StorageV2'"):
        assert expected in storage, expected
    vault = _resource(_text(MODULES / "keyvault.bicep"), "vault")
    for expected in ("enableRbacAuthorization: true", "enablePurgeProtection: true", "enableSoftDelete: true"):
        assert expected in vault, expected


_SECRET_PATTERNS = [
    re.compile(r"listKeys\s*\(", re.IGNORECASE),  # pulling keys into settings
    re.compile(r"AccountKey=|SharedAccessKey=|InstrumentationKey=", re.IGNORECASE),
    # A value assigned to something named like a credential (role definition GUIDs aside).
    re.compile(r"(?:api[_-]?key|password|secret|adminKey|primaryKey)\w*\s*[:=]\s*"
               r"'(?![0-9a-fA-F]{8}-[0-9a-fA-F]{4}-)[^'$@]{4,}'", re.IGNORECASE),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    # Long opaque tokens (keys are 32+ characters of base64 or hex); GUIDs contain dashes.
    re.compile(r"'[A-Za-z0-9+/]{32,}={0,2}'"),
]


def test_no_literal_secrets_in_infra():
    files = [path for path in INFRA.rglob("*") if path.is_file()]
    assert files
    for path in files:
        text = _text(path)
        for pattern in _SECRET_PATTERNS:
            match = pattern.search(text)
            assert match is None, f"{path.relative_to(ROOT)}: looks like a secret: {match.group(0)!r}"
        # A @secure() parameter with a default would put its value in the template.
        assert not re.search(r"@secure\(\)\s*\nparam \w+ \w+ =", text), path


def test_the_secret_patterns_catch_what_they_should():
    samples = ["key: listKeys(account.id, '2023-05-01').key1",
               "value: 'DefaultEndpointsProtocol=https;AccountKey=abc'",
               "apiKey: 'sk-live-123456'",
               "value: 'Q2hhbmdlTWVQbGVhc2VUaGlzSXNBRmFrZUtleTEyMzQ1Ng=='"]
    for sample in samples:
        assert any(p.search(sample) for p in _SECRET_PATTERNS), sample
    harmless = ["roleId: '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd'",
                "var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'",
                "value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=bot-app-password)'"]
    for sample in harmless:
        assert not any(p.search(sample) for p in _SECRET_PATTERNS), sample


def test_every_checkov_suppression_gives_a_reason():
    skips = [line for path in BICEP_FILES for line in _text(path).splitlines() if "checkov:skip=" in line]
    assert skips
    for line in skips:
        match = re.search(r"checkov:skip=(CKV_AZURE_\d+):\s*(.+)$", line)
        assert match and len(match.group(2)) >= 30, f"suppression without a real reason: {line.strip()}"


# --- 閉域 / LGWAN -------------------------------------------------------------------------------
def test_private_networking_turns_public_access_off():
    main = _text(MAIN)
    decision = re.search(r"^var (\w+) = privateNetworking \? 'Disabled' : 'Enabled'$", main, re.MULTILINE)
    assert decision, "main.bicep must derive public access from privateNetworking"
    for module in ("openAi", "search", "storage", "keyVault"):
        block = _block(main, re.search(rf"^module {module} ", main, re.MULTILINE).end())
        assert f"publicNetworkAccess: {decision.group(1)}" in block, module
    for path, symbol in ((MODULES / "search.bicep", "search"), (MODULES / "openai.bicep", "account"),
                         (MODULES / "keyvault.bicep", "vault"), (MODULES / "storage.bicep", "account")):
        text = _text(path)
        assert re.search(r"^param publicNetworkAccess string = 'Disabled'$", text, re.MULTILINE), path
        assert re.search(r"publicNetworkAccess: (toLower\()?publicNetworkAccess\)?\n",
                         _resource(text, symbol)), path


def test_private_networking_adds_endpoints_dns_and_vnet_integration():
    main = _text(MAIN)
    for group, zone in (("searchService", "privatelink.search.windows.net"),
                        ("account", "privatelink.openai.azure.com"),
                        ("vault", "privatelink.vaultcore.azure.net"),
                        ("table", "privatelink.table.core.windows.net")):
        match = re.search(rf"module \w+ 'modules/private-endpoint.bicep' = if \(privateNetworking[^)]*\) \{{"
                          rf"(?:(?!\nmodule ).)*groupId: '{group}'\n\s*dnsZoneName: '{zone}'", main, re.DOTALL)
        assert match, (group, zone)
    assert "module network 'modules/network.bicep' = if (privateNetworking)" in main
    assert "appSubnetId: privateNetworking ? network.outputs.appSubnetId : ''" in main
    site = _resource(_text(MODULES / "appservice.bicep"), "site")
    assert "virtualNetworkSubnetId: privateNetworking ? appSubnetId : null" in site
    assert "vnetRouteAllEnabled: privateNetworking" in site


# --- module wiring (what `az bicep build` would catch) ------------------------------------------
_PARAM = re.compile(r"^param (\w+) \S+(?: = (.+))?$", re.MULTILINE)
_OUTPUT = re.compile(r"^output (\w+) ", re.MULTILINE)


@pytest.mark.parametrize("call", re.findall(r"^module (\w+) '([^']+)'", _text(MAIN), re.MULTILINE),
                         ids=lambda call: call[0])
def test_module_calls_match_the_modules_parameters_and_outputs(call):
    symbol, relative = call
    main = _text(MAIN)
    module = _text(INFRA / relative)
    declared = {name: default for name, default in _PARAM.findall(module)}
    block = _block(main, re.search(rf"^module {symbol} ", main, re.MULTILINE).end())
    params_block = _block(block, block.index("params:"))
    passed = set(re.findall(r"^    (\w+):", params_block, re.MULTILINE))
    assert passed <= set(declared), f"{symbol}: unknown parameters {sorted(passed - set(declared))}"
    required = {name for name, default in declared.items() if not default}
    assert required <= passed, f"{symbol}: missing parameters {sorted(required - passed)}"
    outputs = set(_OUTPUT.findall(module))
    used = set(re.findall(rf"\b{symbol}\.outputs\.(\w+)", main))
    assert used <= outputs, f"{symbol}: unknown outputs {sorted(used - outputs)}"


def test_role_assignments_use_the_built_in_roles_the_brief_names():
    roles = _text(MODULES / "roles.bicep")
    for role_id in ("1407120a-92aa-4202-b7e9-c0e197c71c8f",  # Search Index Data Reader
                    "8ebe5a00-799e-43f5-93ac-243d3dce84a7",  # Search Index Data Contributor
                    "7ca78c08-252a-4471-8644-bb5ff32d4ba0",  # Search Service Contributor
                    "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"):  # Cognitive Services OpenAI User
        assert role_id in roles
    # The app can only read the index unless appManagesIndex says otherwise.
    reader = _resource(roles, "appSearchReader")
    assert "searchIndexDataReader" in reader
    assert "= if (appManagesIndex)" in re.search(r"resource appSearchWriter [^\n]+", roles).group(0)
    assert "principalId: searchPrincipalId" in _resource(roles, "searchOpenAiUser")
    # The app's identity reads and writes the shared state table (no keys exist to use instead).
    assert "var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'" in roles
    state_writer = _resource(roles, "appStateWriter")
    for expected in ("scope: storage", "storageTableDataContributor", "principalId: appPrincipalId"):
        assert expected in state_writer, expected


# --- the checkov gate (scripts/check-infra.sh) with a fake checkov -------------------------------
_CLEAN = "bicep scan results:\n\nPassed checks: 28, Failed checks: 0, Skipped checks: 9\n"


def _run_gate(tmp_path: Path, output: str, exit_code: int = 0) -> subprocess.CompletedProcess:
    fake = tmp_path / "fake-checkov"
    (tmp_path / "output.txt").write_text(output, encoding="utf-8")
    # The fake insists on the offline flag the real gate must pass.
    fake.write_text("#!/usr/bin/env bash\n"
                    "[[ \" $* \" == *' --skip-download '* && \" $* \" == *' --framework bicep '* ]]"
                    " || { echo 'fake checkov: missing flags' >&2; exit 9; }\n"
                    f"cat '{tmp_path / 'output.txt'}'\nexit {exit_code}\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    env = {**os.environ, "CHECKOV_BIN": str(fake)}
    return subprocess.run(["bash", str(ROOT / "scripts" / "check-infra.sh"), str(INFRA)],
                          capture_output=True, text=True, env=env, timeout=60)


def test_gate_passes_a_clean_summary_and_prints_it(tmp_path):
    result = _run_gate(tmp_path, _CLEAN)
    assert result.returncode == 0, result.stderr
    assert "check-infra: Passed checks: 28, Failed checks: 0, Skipped checks: 9" in result.stdout


@pytest.mark.parametrize("output, exit_code", [
    ("Passed checks: 0, Failed checks: 0, Skipped checks: 0, Parsing errors: 1\n", 0),  # a broken file
    ("Passed checks: 5, Failed checks: 13, Skipped checks: 0\n", 1),
    ("", 0),  # nothing scanned (wrong folder, no .bicep files)
    ("[ERROR]  Failed to run check CKV_AZURE_189 on x.bicep\n" + _CLEAN, 0),
    (_CLEAN, 2),  # checkov itself failed after printing a summary
], ids=["parsing-error", "failed-checks", "no-summary", "check-crashed", "checkov-exit-code"])
def test_gate_fails_on_anything_but_a_clean_run(tmp_path, output, exit_code):
    result = _run_gate(tmp_path, output, exit_code)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "check-infra: FAIL" in result.stderr
