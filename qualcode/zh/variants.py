"""Variant characters that OpenCC's t2s leaves apart but a researcher means as one.

The table is data: zh/variants.txt, one `VARIANT FOLDED` pair a line (the one place to add more).
Applied after t2s, so keys and values are in t2s output space: each key folds to its value.
"""

from __future__ import annotations

from pathlib import Path

VARIANTS_FILE = Path(__file__).resolve().parent / "variants.txt"


def load_variants(path: Path = VARIANTS_FILE) -> dict[str, str]:
    table = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) != 2 or len(fields[0]) != 1 or len(fields[1]) != 1:
            raise ValueError(f"{path}:{number}: expected one variant character and the one it folds to")
        table[fields[0]] = fields[1]
    return table


VARIANTS: dict[str, str] = load_variants()
