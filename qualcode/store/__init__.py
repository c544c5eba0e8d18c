"""SQLite storage: connection setup, schema migrations and transactions."""

from qualcode.store.connection import SQLITE_INTEGERS, Store

__all__ = ["SQLITE_INTEGERS", "Store"]
