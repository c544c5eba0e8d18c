"""The TUI in a web browser: a textual-serve server (the CLI's `qualcode serve` builds and runs it)."""

from __future__ import annotations

import asyncio
import logging


def browser_server(command: str, host: str, port: int, title: str, url: str):
    """A textual-serve Server running `command` for each browser session; it prints nothing of its own (the
    CLI says where it serves), logs no line per request, and ends open sessions at once on Ctrl+C."""
    from textual_serve.server import Server

    class QuietServer(Server):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.sessions: set[asyncio.Task] = set()

        async def handle_websocket(self, request):
            task = asyncio.current_task()
            assert task is not None
            self.sessions.add(task)
            try:
                return await super().handle_websocket(request)
            finally:
                self.sessions.discard(task)

        async def on_shutdown(self, app) -> None:
            # aiohttp waits up to a minute for open websockets; end each browser session (and its TUI) now.
            for task in list(self.sessions):
                task.cancel()

        def initialize_logging(self) -> None:
            super().initialize_logging()
            logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # not a line per request
            # A browser session's TUI that ends (on ctrl+c, with the server) just after the loop closed makes
            # asyncio's child watcher warn "Loop … that handles pid … is closed": the child is gone either way.
            logging.getLogger("asyncio").setLevel(logging.ERROR)

        async def on_startup(self, app) -> None:
            pass

    return QuietServer(command, host=host, port=port, title=title, public_url=url)
