"""`qualcode serve`: the TUI in a web browser through textual-serve, on 127.0.0.1 unless told otherwise.

The browser test drives Debian's headless chromium over the DevTools protocol. textual-serve draws the terminal
with xterm.js on a canvas, so the page's DOM holds no text; a script run before the page's own captures the
xterm.js Terminal when textual.js stores it (`this.terminal = new Terminal(…)`), and the test reads the screen
through xterm.js's public buffer API.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from qualcode.cli import serve

CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode("utf-8")


# -- the command line's checks, before anything listens ------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.3.2.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LocalHost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("128.0.0.1", False),
        ("example.org", False),
        ("localhost.example.org", False),
    ],
)
def test_only_loopback_addresses_count_as_this_machine(host, loopback):
    assert serve.is_loopback(host) is loopback


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.5", "example.org"])
def test_a_non_loopback_host_is_refused_without_allow_remote(cli, demo_db, host):
    result = cli.fast("--project", str(demo_db), "serve", "--host", host, "--port", str(_free_port()), ok=False)
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"qualcode: error: --host {host}: not a loopback address")
    assert "no authentication" in line and "--allow-remote" in line


def test_a_port_in_use_is_one_line_and_exit_2(cli, demo_db):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        # The real command, as a subprocess; then --allow-remote, which passes the host check, in process.
        proc = cli("--project", str(demo_db), "serve", "--port", str(port), ok=False)
        results = [(proc.returncode, proc.stderr)]
        result = cli.fast(
            "--project", str(demo_db), "serve", "--port", str(port), "--host", "0.0.0.0", "--allow-remote", ok=False
        )
        results.append((result.exit_code, result.stderr))
        for code, stderr in results:
            assert code == 2, stderr
            [line] = stderr.strip().splitlines()
            assert f"port {port} (Address already in use); choose another port with --port" in line, line


def test_an_address_that_is_not_this_machines_is_one_line_and_exit_2(cli, demo_db):
    # 192.0.2.1 is TEST-NET-1 (RFC 5737): no machine has it, and no name lookup is involved.
    result = cli.fast("--project", str(demo_db), "serve", "--host", "192.0.2.1", "--allow-remote", ok=False)
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("qualcode: error: cannot serve on 192.0.2.1 port 8000 (") and "choose another --host" in line


def test_a_missing_project_is_refused_before_serving(cli, tmp_path):
    result = cli.fast("--project", str(tmp_path / "missing.db"), "serve", "--port", str(_free_port()), ok=False)
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert "missing.db" in line


def test_each_browser_session_runs_the_tui_on_the_absolute_project_as_the_coder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    coder = "林 𠮷's"  # a space, a quote and a non-BMP character survive the shell
    words = shlex.split(serve.tui_command(Path("訪談 A.db"), coder, None))
    assert words == [
        "exec", sys.executable, "-m", "qualcode", "--project", str(tmp_path / "訪談 A.db"), "--coder", coder, "tui",
    ]  # fmt: skip
    # No coder configured anywhere: the TUI asks for one (and saves it), as `qualcode tui` does.
    assert shlex.split(serve.tui_command(Path("p.db"), None, None))[-3:] == ["--project", str(tmp_path / "p.db"), "tui"]
    assert shlex.split(serve.tui_command(Path("p.db"), "x", True))[-2:] == ["tui", "--blind"]
    assert shlex.split(serve.tui_command(Path("p.db"), "x", False))[-2:] == ["tui", "--no-blind"]
    assert serve.public_url("::1", 8000) == "http://[::1]:8000"
    assert serve.public_url("127.0.0.1", 8123) == "http://127.0.0.1:8123"


def test_help_says_there_is_no_authentication(cli):
    text = " ".join(cli.fast("serve", "--help").stdout.split())
    assert "NO AUTHENTICATION: anyone who can reach the port can read and change the project" in text
    assert "--allow-remote" in text and "127.0.0.1" in text


# -- the server, and a browser on it ------------------------------------------------------------------------


# Run before textual.js: keep the xterm.js Terminal it stores as `this.terminal` where the test can read it.
CAPTURE_TERMINAL = """
Object.defineProperty(Object.prototype, 'terminal', {
  configurable: true,
  set(value) {
    Object.defineProperty(this, 'terminal', {value, writable: true, configurable: true, enumerable: true});
    if (value && value.buffer && value.buffer.active) window.__qualcodeTerminal = value;
  },
});
"""
READ_SCREEN = """(() => {
  const terminal = window.__qualcodeTerminal;
  if (!terminal) return null;
  const buffer = terminal.buffer.active, rows = [];
  for (let y = 0; y < terminal.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true) : '');
  }
  return rows.join('\\n');
})()"""


async def _browse(url: str, wanted: list[str], screenshot: Path, timeout: float = 60) -> str:
    """Open url in headless chromium; wait until the terminal shows every wanted string; screenshot; the screen."""
    import aiohttp  # textual-serve's own web framework

    profile = tempfile.mkdtemp(prefix="qualcode-chromium-")
    argv = [
        CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,900",
        "--remote-debugging-port=0", f"--user-data-dir={profile}", "--no-first-run", "about:blank",
    ]  # fmt: skip
    browser = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    try:
        active_port = Path(profile) / "DevToolsActivePort"
        while not (active_port.exists() and active_port.read_text().strip()):
            assert browser.poll() is None and time.monotonic() < deadline, "chromium did not start"
            await asyncio.sleep(0.1)
        devtools = active_port.read_text().split()[0]
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{devtools}/json/list") as response:
                [page] = [target for target in await response.json() if target["type"] == "page"]
            async with session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                ids = iter(range(1, 1_000_000))

                async def call(method: str, **params):
                    number = next(ids)
                    await ws.send_json({"id": number, "method": method, "params": params})
                    while True:
                        message = await ws.receive_json()
                        if message.get("id") == number:
                            assert "error" not in message, message
                            return message["result"]

                await call("Page.enable")
                await call("Page.addScriptToEvaluateOnNewDocument", source=CAPTURE_TERMINAL)
                await call("Page.navigate", url=url)
                screen = ""
                while not all(text in screen for text in wanted) and time.monotonic() < deadline:
                    await asyncio.sleep(0.25)
                    result = await call("Runtime.evaluate", expression=READ_SCREEN, returnByValue=True)
                    screen = result["result"].get("value") or ""
                shot = await call("Page.captureScreenshot", format="png")
                screenshot.write_bytes(base64.b64decode(shot["data"]))
                return screen
    finally:
        browser.terminate()
        try:
            browser.wait(timeout=10)
        except subprocess.TimeoutExpired:
            browser.kill()
            browser.wait()
        shutil.rmtree(profile, ignore_errors=True)


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()


@pytest.mark.slow
def test_serve_shows_transcript_a_in_a_browser_and_stops_on_ctrl_c(tmp_path, demo_db):
    from qualcode.project import Project

    with Project.open(demo_db) as project:
        document = project.documents.document("A")
        text = project.documents.text(document.id)
        first_answer = next(t for t in project.documents.turns(document.id) if t.speaker == "答")
    phrase = text[first_answer.start : first_answer.start + 12]  # the start of a line on screen: never wrapped
    assert phrase == "第一個原因最主要是大勢所趨"[:12]

    # The config file (English labels) and the coder must reach the TUI each browser tab runs.
    (tmp_path / "my-config.toml").write_text('language = "en"\n', encoding="utf-8")
    env = {**os.environ, "QUALCODE_CONFIG": "my-config.toml"}  # relative: serve passes it on as absolute
    coder = "測試者𠮷"
    port = _free_port()
    argv = [sys.executable, "-m", "qualcode", "-p", demo_db.name, "--coder", coder, "serve", "--port", str(port)]
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, page = _get(url + "/")
                break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"qualcode serve did not answer: {log_path.read_text(errors='replace')}")
            time.sleep(0.2)
        assert status == 200
        assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in page
        assert "qualcode: qualcode.db" in page
        said = log_path.read_text(encoding="utf-8")
        assert f"open {url} in a web browser" in said and f"as {coder}" in said

        if not Path(CHROMIUM).exists():
            pytest.skip("chromium not installed: apt-get install chromium")
        wanted = [phrase, f"coder {coder}"]  # "coder": the English status bar, from the config file
        screen = asyncio.run(_browse(url + "/", wanted, tmp_path / "serve.png"))
        assert phrase in screen, f"transcript A not on the browser's screen:\n{screen}\n{log_path.read_text()}"
        assert f"coder {coder}" in screen, screen
        assert "受訪單位：臺北市政府勞工局就業服務處" in screen  # A's header, as the TUI shows it
        png = (tmp_path / "serve.png").read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 20_000

        # A second tab, still open while ctrl+c arrives: its TUI must stop with the server.
        holder = subprocess.Popen(
            [sys.executable, "-c", _HOLD_SESSION, f"ws://127.0.0.1:{port}/ws"], stdout=subprocess.PIPE, text=True
        )
        assert holder.stdout is not None and holder.stdout.readline().strip() == "drawing"
        sessions = []
        for _ in range(100):
            sessions = _children(server.pid)
            if sessions:
                break
            time.sleep(0.1)
        assert sessions, "no TUI process for the open session"
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=20) == 0
        holder.wait(timeout=20)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    output = log_path.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in output, output
    assert output.rstrip().endswith("stopped"), output
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in sessions) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in sessions), "a browser session's TUI outlived the server"
    with pytest.raises(OSError):
        _get(url + "/")


# A browser tab without a browser: opens a session, says when its TUI draws, and stays until the server closes it.
_HOLD_SESSION = """
import asyncio, sys, aiohttp
async def main(url):
    async with aiohttp.ClientSession() as session, session.ws_connect(url + "?width=120&height=40") as ws:
        async for message in ws:
            if message.type == aiohttp.WSMsgType.BINARY:  # the TUI is drawing: its process runs
                print("drawing", flush=True)
                break
        async for _ in ws:
            pass
asyncio.run(main(sys.argv[1]))
"""
