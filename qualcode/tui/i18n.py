"""The TUI's labels and error wording: the shared catalogue of qualcode/i18n (tui.yaml, errors.yaml), re-exported."""

from __future__ import annotations

from qualcode.i18n import ERRORS_FILE, LABELS, LABELS_FILE, describe_change, label, say_error

__all__ = ["ERRORS_FILE", "LABELS", "LABELS_FILE", "describe_change", "label", "say_error"]
