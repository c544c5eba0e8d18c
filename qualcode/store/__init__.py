"""SQLite storage: connection setup, schema migrations and transactions."""

from qualcode.store.connection import Store

__all__ = ["Store"]
