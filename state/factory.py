"""Choose the state store from settings: Azure Table Storage when configured, else SQLite."""
from __future__ import annotations

from settings import Settings
from state.conversation import ConversationState
from state.store import StateStore


def build_store(settings: Settings) -> StateStore:
    if settings.state_backend == "azure_table":
        from state.table_store import TableStateStore

        connection_string = settings.state_table_connection_string.get_secret_value()
        credential = None
        if not connection_string:
            from retrieval.azure_credentials import async_token_credential

            credential = async_token_credential(settings)
        return TableStateStore.connect(table=settings.state_table_name, connection_string=connection_string,
                                       endpoint=settings.state_table_endpoint, credential=credential)
    from state.sqlite_store import SqliteStateStore

    return SqliteStateStore(settings.state_path)


def build_conversation_state(settings: Settings) -> ConversationState:
    return ConversationState(build_store(settings), history_turns=settings.history_turns,
                             user_salt=settings.feedback_user_salt.get_secret_value())
