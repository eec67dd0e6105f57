"""Conversation state that survives restarts and is shared by every app instance.

`store.py` is the small key-value protocol (partition + key -> JSON value) with two implementations:
SQLite (`sqlite_store.py`, the default, one file) and Azure Table Storage (`table_store.py`, when
several instances run behind the Bot Service). `conversation.py` holds what the bot keeps in it:
bounded history, answered-message records, the welcome-once marker and 👍/👎 feedback.
"""
