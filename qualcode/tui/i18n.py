"""Interface labels in Traditional Chinese and English; the catalogue is data (tui/labels.yaml)."""

from __future__ import annotations

from pathlib import Path

import yaml

LABELS_FILE = Path(__file__).resolve().parent / "labels.yaml"


def _load(path: Path = LABELS_FILE) -> dict[str, tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {key: (zh, en) for key, (zh, en) in data.items()}


LABELS: dict[str, tuple[str, str]] = _load()


def label(name: str, language: str, /, **values: object) -> str:
    zh, en = LABELS[name]
    return (zh if language == "zh" else en).format(**values)
