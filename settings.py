"""The one typed settings object; the only code that reads the environment (and `.env`).

Bot credentials keep the Bot Framework's usual names (MicrosoftAppId, ...). Everything else is
prefixed REIKI_ so it cannot collide with other software on the host.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing import Annotated

ROOT = Path(__file__).resolve().parent


class SettingsError(Exception):
    """Configuration is invalid; the message says which setting and why (no secret values)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    # --- Bot Framework credentials (empty app id = anonymous, local development only) --------
    microsoft_app_id: str = Field("", validation_alias=AliasChoices("MicrosoftAppId", "MICROSOFT_APP_ID"))
    microsoft_app_password: SecretStr = Field(
        SecretStr(""), validation_alias=AliasChoices("MicrosoftAppPassword", "MICROSOFT_APP_PASSWORD"))
    microsoft_app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = Field(
        "MultiTenant", validation_alias=AliasChoices("MicrosoftAppType", "MICROSOFT_APP_TYPE"))
    microsoft_app_tenant_id: str = Field(
        "", validation_alias=AliasChoices("MicrosoftAppTenantId", "MICROSOFT_APP_TENANT_ID"))

    # --- serving --------------------------------------------------------------------------
    host: str = Field("127.0.0.1", validation_alias="REIKI_HOST")
    port: int = Field(3978, ge=1, le=65535, validation_alias="REIKI_PORT")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", validation_alias="REIKI_LOG_LEVEL")
    max_question_chars: int = Field(1000, ge=10, validation_alias="REIKI_MAX_QUESTION_CHARS")

    # --- corpus and embedded index ---------------------------------------------------------
    corpus_dir: Path = Field(ROOT / "samples" / "regulations", validation_alias="REIKI_CORPUS_DIR")
    index_path: Path = Field(ROOT / "data" / "index.sqlite", validation_alias="REIKI_INDEX_PATH")
    # Backends, chosen here only: every combination is valid (local index + on-prem LLM = LGWAN).
    search_backend: Literal["local", "azure"] = Field("local", validation_alias="REIKI_SEARCH_BACKEND")
    answerer: Literal["extractive", "llm"] = Field("extractive", validation_alias="REIKI_ANSWERER")
    top_k: int = Field(10, ge=1, le=50, validation_alias="REIKI_TOP_K")
    sudachi_split_mode: Literal["A", "B", "C"] = Field("A", validation_alias="REIKI_SUDACHI_MODE")
    max_passage_tokens: int = Field(600, ge=50, validation_alias="REIKI_MAX_PASSAGE_TOKENS")
    tiktoken_cache_dir: Path | None = Field(None, validation_alias="TIKTOKEN_CACHE_DIR")
    # The embedded index's sentence-embedding signal (retrieval.passage_vectors): "auto" uses the
    # bundled CPU model when its package is installed (it is in requirements.txt); "off" ranks by
    # words alone (no model in memory, no embedding at start-up).
    dense_retrieval: Literal["auto", "off"] = Field("auto", validation_alias="REIKI_DENSE")

    # --- Azure AI Search (REIKI_SEARCH_BACKEND=azure) -------------------------------------------
    azure_search_endpoint: str = Field("", validation_alias="REIKI_AZURE_SEARCH_ENDPOINT")
    azure_search_index: str = Field("reiki-passages", validation_alias="REIKI_AZURE_SEARCH_INDEX")
    # Empty = Entra ID (managed identity). A key is for local fakes and break-glass use only.
    azure_search_api_key: SecretStr = Field(SecretStr(""), validation_alias="REIKI_AZURE_SEARCH_API_KEY")
    search_timeout_seconds: float = Field(10.0, gt=0, le=120, validation_alias="REIKI_SEARCH_TIMEOUT_SECONDS")

    # --- Azure OpenAI (answers with REIKI_ANSWERER=llm, embeddings for the Azure index) ------------
    azure_openai_endpoint: str = Field("", validation_alias="REIKI_AZURE_OPENAI_ENDPOINT")
    azure_openai_api_version: str = Field("2024-10-21", validation_alias="REIKI_AZURE_OPENAI_API_VERSION")
    azure_openai_chat_deployment: str = Field("", validation_alias="REIKI_AZURE_OPENAI_CHAT_DEPLOYMENT")
    azure_openai_embedding_deployment: str = Field(
        "", validation_alias="REIKI_AZURE_OPENAI_EMBEDDING_DEPLOYMENT")
    # The model behind the embedding deployment: the index's integrated vectorizer must name it.
    azure_openai_embedding_model: str = Field(
        "text-embedding-3-small", validation_alias="REIKI_AZURE_OPENAI_EMBEDDING_MODEL")
    azure_openai_embedding_dimensions: int = Field(
        1536, ge=16, le=4096, validation_alias="REIKI_AZURE_OPENAI_EMBEDDING_DIMENSIONS")
    # Empty = Entra ID bearer tokens (managed identity); a key only where policy allows one.
    azure_openai_api_key: SecretStr = Field(SecretStr(""), validation_alias="REIKI_AZURE_OPENAI_API_KEY")
    # Client id of the user-assigned managed identity (production); empty = DefaultAzureCredential.
    azure_client_id: str = Field("", validation_alias=AliasChoices("REIKI_AZURE_CLIENT_ID", "AZURE_CLIENT_ID"))

    # --- an OpenAI-compatible chat model (on-prem LLM server): answers and `eval --judge` --------
    llm_base_url: str = Field("", validation_alias="REIKI_LLM_BASE_URL")  # e.g. http://llm.local:8000/v1
    llm_model: str = Field("", validation_alias="REIKI_LLM_MODEL")
    llm_api_key: SecretStr = Field(SecretStr(""), validation_alias="REIKI_LLM_API_KEY")
    llm_timeout_seconds: float = Field(30.0, gt=0, le=300, validation_alias="REIKI_LLM_TIMEOUT_SECONDS")
    llm_max_source_tokens: int = Field(6000, ge=500, validation_alias="REIKI_LLM_MAX_SOURCE_TOKENS")
    llm_max_answer_tokens: int = Field(800, ge=50, validation_alias="REIKI_LLM_MAX_ANSWER_TOKENS")
    # With REIKI_ANSWERER=llm, the model also gives the statutory words for each question before it is
    # searched (retrieval/query_expansion.py): one short call more per question, bounded by its own timeout.
    query_expansion: bool = Field(True, validation_alias="REIKI_QUERY_EXPANSION")
    query_expansion_timeout_seconds: float = Field(4.0, gt=0, le=30,
                                                   validation_alias="REIKI_QUERY_EXPANSION_TIMEOUT_SECONDS")
    # Model prices per 1,000 tokens (any currency; bench/llm_cost.py reports cost per 1,000 questions).
    # Defaults: gpt-4o-mini list prices in USD (0.15 / 0.60 per million); set your contract's.
    llm_price_input_per_1k: float = Field(0.00015, ge=0, validation_alias="REIKI_LLM_PRICE_INPUT_PER_1K")
    llm_price_output_per_1k: float = Field(0.0006, ge=0, validation_alias="REIKI_LLM_PRICE_OUTPUT_PER_1K")

    # --- who may see restricted documents (retrieval/groups.py) -----------------------------------
    # none: askers get public documents only; file: an admin's YAML/JSON mapping; graph: Microsoft
    # Graph transitiveMemberOf with the app's credentials (needs GroupMember.Read.All).
    group_resolver: Literal["none", "file", "graph"] = Field("none", validation_alias="REIKI_GROUP_RESOLVER")
    group_mapping_path: Path | None = Field(None, validation_alias="REIKI_GROUP_MAPPING_PATH")
    graph_base_url: str = Field("https://graph.microsoft.com", validation_alias="REIKI_GRAPH_BASE_URL")
    # A client secret for Graph (tenant + client id + secret); empty = the managed identity /
    # default chain of REIKI_AZURE_CLIENT_ID.
    graph_tenant_id: str = Field("", validation_alias="REIKI_GRAPH_TENANT_ID")
    graph_client_id: str = Field("", validation_alias="REIKI_GRAPH_CLIENT_ID")
    graph_client_secret: SecretStr = Field(SecretStr(""), validation_alias="REIKI_GRAPH_CLIENT_SECRET")
    groups_cache_seconds: float = Field(300.0, ge=0, le=86400, validation_alias="REIKI_GROUPS_CACHE_SECONDS")
    groups_timeout_seconds: float = Field(5.0, gt=0, le=60, validation_alias="REIKI_GROUPS_TIMEOUT_SECONDS")

    # --- conversation state (history, answered messages, feedback) and the Teams experience -------
    # sqlite: one file, one instance; azure_table: Azure Table Storage shared by every instance.
    state_backend: Literal["sqlite", "azure_table"] = Field("sqlite", validation_alias="REIKI_STATE_BACKEND")
    state_path: Path = Field(ROOT / "data" / "state.sqlite", validation_alias="REIKI_STATE_PATH")
    state_table_endpoint: str = Field("", validation_alias="REIKI_STATE_TABLE_ENDPOINT")  # managed identity
    state_table_name: str = Field("reikibotstate", validation_alias="REIKI_STATE_TABLE_NAME")
    state_table_connection_string: SecretStr = Field(
        SecretStr(""), validation_alias="REIKI_STATE_TABLE_CONNECTION_STRING")  # Azurite / break-glass
    history_turns: int = Field(6, ge=0, le=20, validation_alias="REIKI_HISTORY_TURNS")
    # Feedback stores a keyed hash of the user id, never the id itself.
    feedback_user_salt: SecretStr = Field(SecretStr(""), validation_alias="REIKI_FEEDBACK_USER_SALT")
    sensitivity_label: str = Field("庁内限り", validation_alias="REIKI_SENSITIVITY_LABEL")  # empty = none
    sensitivity_description: str = Field(
        "庁内での参考用です。外部に転送しないでください。", validation_alias="REIKI_SENSITIVITY_DESCRIPTION")
    help_desk: str = Field("総務部 総務課", validation_alias="REIKI_HELP_DESK")  # named after abstentions
    stream_interval_seconds: float = Field(1.0, ge=1.0, le=10, validation_alias="REIKI_STREAM_INTERVAL_SECONDS")

    # --- the HTTP edge: authentication, turns, logs, telemetry ----------------------------------
    # Where the Bot Framework's signing keys are published (tests point it at a local server).
    openid_metadata_url: str = Field("https://login.botframework.com/v1/.well-known/openidconfiguration",
                                     validation_alias="REIKI_OPENID_METADATA_URL")
    auth_fetch_timeout_seconds: float = Field(5.0, gt=0, le=60, validation_alias="REIKI_AUTH_FETCH_TIMEOUT_SECONDS")
    # Entra tenant ids whose Teams users may talk to the bot (channelData.tenant.id); empty = any.
    allowed_tenant_ids: Annotated[tuple[str, ...], NoDecode] = Field((), validation_alias="REIKI_ALLOWED_TENANT_IDS")
    # Anonymous mode (no MicrosoftAppId) serves loopback only unless this is set (loud warning).
    allow_remote_anonymous: bool = Field(False, validation_alias="REIKI_ALLOW_REMOTE_ANONYMOUS")
    turn_timeout_seconds: float = Field(60.0, gt=0, le=600, validation_alias="REIKI_TURN_TIMEOUT_SECONDS")
    # Per attempt of each reply to the Bot Connector (2 retries with back-off on 429/5xx).
    reply_timeout_seconds: float = Field(15.0, gt=0, le=120, validation_alias="REIKI_REPLY_TIMEOUT_SECONDS")
    # Turns inside the bot at once (beyond: a "busy" reply). A turn waiting on the model holds no
    # thread and little memory; 200 at once measured fine on 2 cores (bench/in_flight.py), so the
    # cap only guards the process against a flood, it must not refuse a morning burst.
    max_concurrent_turns: int = Field(256, ge=1, le=1024, validation_alias="REIKI_MAX_CONCURRENT_TURNS")
    log_format: Literal["json", "text"] = Field("json", validation_alias="REIKI_LOG_FORMAT")
    log_questions: bool = Field(False, validation_alias="REIKI_LOG_QUESTIONS")  # question text in logs (redacted)
    applicationinsights_connection_string: SecretStr = Field(
        SecretStr(""), validation_alias="APPLICATIONINSIGHTS_CONNECTION_STRING")

    # --- administration ----------------------------------------------------------------------
    # Entra object ids allowed to run /reindex and /status from Teams (comma separated).
    admin_object_ids: Annotated[tuple[str, ...], NoDecode] = Field((), validation_alias="REIKI_ADMIN_OBJECT_IDS")

    @field_validator("admin_object_ids", "allowed_tenant_ids", mode="before")
    @classmethod
    def _split_ids(cls, value):
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _check_credentials(self):
        if self.microsoft_app_id and not self.microsoft_app_password.get_secret_value() \
                and self.microsoft_app_type != "UserAssignedMSI":
            raise ValueError("MicrosoftAppPassword is required when MicrosoftAppId is set")
        if self.microsoft_app_type == "SingleTenant" and self.microsoft_app_id and not self.microsoft_app_tenant_id:
            raise ValueError("MicrosoftAppTenantId is required for MicrosoftAppType=SingleTenant")
        if self.state_backend == "azure_table" and not (
                self.state_table_endpoint or self.state_table_connection_string.get_secret_value()):
            raise ValueError("REIKI_STATE_BACKEND=azure_table needs REIKI_STATE_TABLE_ENDPOINT"
                             " (managed identity) or REIKI_STATE_TABLE_CONNECTION_STRING")
        if self.search_backend == "azure" and not self.azure_search_endpoint:
            raise ValueError("REIKI_AZURE_SEARCH_ENDPOINT is required for REIKI_SEARCH_BACKEND=azure")
        if self.search_backend == "azure" and not (
                self.azure_openai_endpoint and self.azure_openai_embedding_deployment):
            raise ValueError("REIKI_SEARCH_BACKEND=azure needs REIKI_AZURE_OPENAI_ENDPOINT and"
                             " REIKI_AZURE_OPENAI_EMBEDDING_DEPLOYMENT for the vector field")
        if self.answerer == "llm" and not self.llm_configured:
            raise ValueError("REIKI_ANSWERER=llm needs REIKI_AZURE_OPENAI_ENDPOINT with"
                             " REIKI_AZURE_OPENAI_CHAT_DEPLOYMENT, or REIKI_LLM_BASE_URL with REIKI_LLM_MODEL")
        if self.group_resolver == "file" and not self.group_mapping_path:
            raise ValueError("REIKI_GROUP_RESOLVER=file needs REIKI_GROUP_MAPPING_PATH")
        if self.graph_client_secret.get_secret_value() and not (self.graph_tenant_id and self.graph_client_id):
            raise ValueError("REIKI_GRAPH_CLIENT_SECRET needs REIKI_GRAPH_TENANT_ID and REIKI_GRAPH_CLIENT_ID")
        if not self.graph_base_url.startswith(("https://", "http://127.0.0.1:", "http://localhost:")):
            raise ValueError("REIKI_GRAPH_BASE_URL must be https (plain http only on loopback, for tests)")
        return self

    @property
    def azure_openai_configured(self) -> bool:
        return bool(self.azure_openai_endpoint and self.azure_openai_chat_deployment)

    @property
    def llm_configured(self) -> bool:
        """A chat model is reachable: Azure OpenAI, or an OpenAI-compatible endpoint."""
        return self.azure_openai_configured or bool(self.llm_base_url and self.llm_model)

    @property
    def anonymous(self) -> bool:
        return not self.microsoft_app_id


def load_settings(**overrides) -> Settings:
    """Read and validate settings once at start-up; raise SettingsError with a readable message."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}" for err in exc.errors()
        )
        raise SettingsError(f"invalid configuration: {problems}") from None
