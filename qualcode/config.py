"""User settings: the config file in the XDG config dir, and who the coder is."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Any

from qualcode.errors import BadInput


def _environ(name: str) -> str | None:
    """An environment variable; refused when it is not UTF-8 (Python hands its bytes over as lone surrogates)."""
    value = os.environ.get(name)
    if value is not None:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            shown = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            raise BadInput(f"${name} ({shown}) is not valid UTF-8") from None
    return value


def config_path() -> Path:
    override = _environ("QUALCODE_CONFIG")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir("qualcode")) / "config.toml"


def load_config() -> dict[str, Any]:
    path = config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: bad config file: not UTF-8 (byte {exc.start})") from None
    except OSError as exc:  # a folder, no permission to read it …
        raise BadInput(f"{path}: cannot read the config file: {exc.strerror or exc}") from None
    import tomllib  # only when there is a config file to read

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{path}: bad config file: {exc}") from None


def configured_coder(explicit: str | None = None) -> str | None:
    """--coder, else $QUALCODE_CODER, else `coder` in the config file; None when none of them says."""
    for candidate in (explicit, _environ("QUALCODE_CODER"), load_config().get("coder")):
        if candidate and str(candidate).strip():
            return str(candidate).strip()
    return None


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name on some containers
        return "coder"


def default_coder(explicit: str | None = None) -> str:
    """--coder, else $QUALCODE_CODER, else `coder` in the config file, else the OS user."""
    return configured_coder(explicit) or os_user()


def save_setting(key: str, value: str | bool | int) -> Path:
    """Set one top-level key of the config file, keeping the rest of it (comments included) as it was."""
    import tomlkit

    from qualcode.fileio import write_atomic

    path = config_path()
    load_config()  # a broken file is refused here, with its own message, before anything is written
    try:
        document = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the config file: {exc.strerror or exc}") from None
    document[key] = value
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"{path.parent}: cannot make the config folder: {exc.strerror or exc}") from None
    return write_atomic(path, tomlkit.dumps(document).encode("utf-8"), force=True)


def default_project(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit)
    return Path(_environ("QUALCODE_PROJECT") or "qualcode.db")


DEFAULT_BACKUPS_KEEP = 20


def backups_keep() -> int:
    """How many automatic backups to keep per project (`backups_keep` in the config file; 0 turns them off)."""
    value = load_config().get("backups_keep", DEFAULT_BACKUPS_KEEP)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadInput(
            f"{config_path()}: backups_keep must be a whole number, 0 or more (0: no automatic backups), not {value!r}"
        )
    return value


DEFAULT_CONSENSUS = "consensus"


def blind_coding(config: dict[str, Any] | None = None) -> bool:
    """`blind = true` in the config file: the TUI shows only the coder's own codings and cannot show others'."""
    value = (load_config() if config is None else config).get("blind", False)
    if not isinstance(value, bool):
        raise BadInput(f"{config_path()}: blind must be true or false, not {value!r}")
    return value


def consensus_coder(config: dict[str, Any] | None = None) -> str:
    """The coder adjudications are written as (`consensus` in the config file; default "consensus")."""
    value = (load_config() if config is None else config).get("consensus", DEFAULT_CONSENSUS)
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"{config_path()}: consensus must be a coder name, not {value!r}")
    return value.strip()
