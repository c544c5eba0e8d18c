"""Pseudonym maps (`蘇局長 -> 局長甲`, one per line) applied to exported transcript text, with an offset map."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import BadInput


@dataclass(frozen=True)
class Pseudonyms:
    pairs: tuple[tuple[str, str], ...] = ()

    @classmethod
    def load(cls, path: Path | str | None) -> Pseudonyms:
        if path is None:
            return cls()
        path = Path(path)
        if not path.exists():
            raise BadInput(f"{path}: no such pseudonym map")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BadInput(f"{path}: the pseudonym map is not UTF-8 text (byte {exc.start})") from None
        except OSError as exc:  # a folder, no permission …
            raise BadInput(f"{path}: cannot read the pseudonym map: {exc.strerror or exc}") from None
        pairs = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if "->" not in line:
                raise BadInput(f"{path}:{number}: expected 'name -> replacement', got {line.strip()!r}")
            name, replacement = (part.strip() for part in line.split("->", 1))
            if not name:
                raise BadInput(f"{path}:{number}: empty name before '->'")
            pairs.append((name, replacement))
        return cls(tuple(sorted(pairs, key=lambda p: -len(p[0]))))

    def apply(self, text: str) -> str:
        return self.apply_with_map(text)[0]

    def apply_with_map(self, text: str):
        """The replaced text, and a function mapping an offset in `text` to one in the result."""
        if not self.pairs:
            return text, (lambda offset: offset)
        lookup = dict(self.pairs)
        pattern = re.compile("|".join(re.escape(name) for name, _ in self.pairs))
        pieces, sources, targets, shift, last = [], [0], [0], 0, 0
        for match in pattern.finditer(text):
            pieces.append(text[last : match.start()])
            replacement = lookup[match.group(0)]
            pieces.append(replacement)
            shift += len(replacement) - len(match.group(0))
            sources.append(match.end())
            targets.append(match.end() + shift)
            last = match.end()
        pieces.append(text[last:])

        def mapped(offset: int) -> int:
            i = bisect_right(sources, offset) - 1
            return targets[i] + (offset - sources[i])

        return "".join(pieces), mapped
