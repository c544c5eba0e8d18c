"""`qualcode serve`: the TUI in a web browser, through textual-serve.

textual-serve runs a small aiohttp web server; each browser tab that opens the page gets its own child
process running `python -m qualcode --project <project> --coder <coder> tui`, whose screen reaches the page
(xterm.js) over a websocket. The project path is made absolute, the coder given or configured is passed on (with
none configured, each tab asks, as `qualcode tui` does) and the config file's path is passed down, absolute, in
$QUALCODE_CONFIG, so the child sees what this command saw. There is no authentication: the server listens on
127.0.0.1 unless told otherwise, and a non-loopback address needs --allow-remote. Ctrl+C ends the open sessions
at once and stops the server.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import shlex
import sys
from pathlib import Path
from typing import Optional

import typer

from qualcode.cli.app import CoderOption, app, err, say, settings
from qualcode.cli.main import tui_config
from qualcode.errors import BadInput

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost: addresses only this machine can reach."""
    if host.strip().lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def public_url(host: str, port: int) -> str:
    """The address a browser opens (and the page's websocket connects to) for a server bound to host:port."""
    host = host.strip("[]")
    if host in ("0.0.0.0", "::"):  # every interface: name this machine, as other machines would reach it
        import socket

        host = socket.gethostname()
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def check_bindable(host: str, port: int) -> None:
    """One clear line (BadInput) for a host that does not resolve or a port something already listens on."""
    import socket

    try:
        addresses = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise BadInput(say("serve_bad_host", host=host, why=exc.strerror or exc)) from None
    for family, kind, proto, _name, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            try:
                probe.bind(address)
            except OSError as exc:
                hint = say("serve_other_port" if exc.errno == errno.EADDRINUSE else "serve_other_host")
                raise BadInput(say("serve_cannot_bind_hint", host=host, port=port, why=exc.strerror or exc,
                                   hint=hint)) from None  # fmt: skip


def tui_command(project: Path, coder: Optional[str], blind: Optional[bool]) -> str:
    """The shell command textual-serve runs for each browser session: this Python, this project, this coder
    (None: no coder is configured, and the TUI asks for one as `qualcode tui` does)."""
    argv = [sys.executable, "-m", "qualcode", "--project", str(project.resolve())]
    if coder is not None:
        argv += ["--coder", coder]
    argv.append("tui")
    if blind is not None:
        argv.append("--blind" if blind else "--no-blind")
    return "exec " + shlex.join(argv)  # exec: the TUI replaces the shell, so it gets textual-serve's signals


@app.command()
def serve(
    ctx: typer.Context,
    port: int = typer.Option(DEFAULT_PORT, "--port", min=1, max=65535, help="The port to listen on."),
    host: str = typer.Option(
        DEFAULT_HOST,
        "--host",
        help="The address to listen on (127.0.0.1: this machine only). Any address but 127.0.0.0/8, ::1 or "
        "localhost needs --allow-remote.",
    ),
    allow_remote: bool = typer.Option(
        False,
        "--allow-remote",
        help="Allow a --host other machines can reach. There is no authentication: anyone who can reach the "
        "port can read and change the project.",
    ),
    url: Optional[str] = typer.Option(
        None,
        "--public-url",
        help="The address browsers use to reach the server, when it is not http://HOST:PORT (behind a proxy, "
        "or a host name for 0.0.0.0).",
    ),
    coder: Optional[str] = CoderOption,
    blind: Optional[bool] = typer.Option(
        None,
        "--blind/--no-blind",
        help="Blind coding in every browser session (default: `blind` in the config file, else off).",
    ),
) -> None:
    """Serve the TUI in a web browser (textual-serve); every browser tab runs its own TUI on the project.

    NO AUTHENTICATION: anyone who can reach the port can read and change the project. It listens on
    127.0.0.1 (this machine only) unless --host and --allow-remote say otherwise. Ctrl+C stops it.
    """
    from qualcode.config import config_path, configured_coder
    from qualcode.project import Project

    if not allow_remote and not is_loopback(host):
        raise BadInput(say("serve_not_loopback", host=host))
    current = settings(ctx)
    path = current.project.resolve()
    Project.open(path).close()  # a missing or foreign file fails here, once, not in every browser tab
    tui_config(None)  # what the TUI would refuse in the config file, refused here once, not in every tab
    explicit = configured_coder(coder or current.coder)
    who = explicit or say("serve_no_coder", coder=current.coder_for(None))
    check_bindable(host, port)
    os.environ["QUALCODE_CONFIG"] = str(config_path().resolve())  # the children read the same config file
    address = url or public_url(host, port)
    from qualcode.tui.serve import browser_server

    server = browser_server(
        tui_command(path, explicit, blind), host.strip("[]"), port, f"qualcode: {path.name}", address
    )
    remote = "" if is_loopback(host) else say("serve_no_authentication")
    err.print(say("serve_serving", path=path, who=who, address=address, remote=remote), markup=False)
    try:
        server.serve()
    except OSError as exc:  # the port was taken between the check and the bind, or the host cannot be bound
        raise BadInput(say("serve_cannot_bind", host=host, port=port, why=exc.strerror or exc)) from None
    err.print(say("serve_stopped"), markup=False)
