"""Load, validate and dump the YAML codebook: the code tree, rating facets and rating scale."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.errors import BadInput, CodebookInvalid
from qualcode.model import Code, Facet, ScaleStep

if TYPE_CHECKING:
    import yaml
else:

    class _Yaml:
        """PyYAML, imported when a codebook is first read or written (~12 ms): importing this module for its
        constants (services/codebook.py, on every command that touches the codebook) does not load it."""

        def __getattr__(self, name: str) -> Any:
            import yaml as module

            globals()["yaml"] = module
            return getattr(module, name)

    yaml = _Yaml()

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
SHORTCUTS = set("0123456789")
CODE_FIELDS = ("id", "parent", "name", "name_en", "description", "color", "shortcut", "keywords")
FACET_FIELDS = ("id", "name", "name_en")
STEP_FIELDS = ("id", "label", "label_en", "value", "color")
TOP_FIELDS = ("codebook", "version", "description", "scale", "facets", "rated", "codes")


@dataclass(frozen=True)
class Codebook:
    name: str = ""
    version: str = ""
    description: str = ""
    scale: tuple[ScaleStep, ...] = ()
    facets: tuple[Facet, ...] = ()
    codes: tuple[Code, ...] = ()
    rated: tuple[str, ...] = ()  # the rows of the factor-strength table, in order

    def code(self, code_id: str) -> Code | None:
        return next((c for c in self.codes if c.id == code_id), None)


@dataclass
class _Checker:
    """Collects every problem with its line instead of stopping at the first."""

    source: str
    problems: list[str] = field(default_factory=list)

    def add(self, node: yaml.Node | None, reason: str) -> None:
        where = f"{self.source}:{node.start_mark.line + 1}" if node is not None else self.source
        self.problems.append(f"{where}: {reason}")


def load_file(path: Path | str) -> Codebook:
    """Read and validate a codebook file; raise CodebookInvalid listing every problem."""
    path = Path(path)
    if not path.exists():
        raise BadInput(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:  # a folder, no permission …
        raise BadInput(f"{path}: cannot read it: {exc.strerror or exc}") from None
    return loads(text, str(path))


def check_file(path: Path | str) -> list[str]:
    """Every problem in a codebook file, as `file:line: reason`; empty when it is valid."""
    try:
        load_file(path)
    except CodebookInvalid as exc:
        return exc.problems
    return []


def loads(text: str, source: str = "<codebook>") -> Codebook:
    checker = _Checker(source)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if mark is not None and exc.context_mark is not None and mark.line >= len(text.splitlines()):
            mark = exc.context_mark  # "unexpected end of file" is best shown where the open construct began
        line = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        context = f" ({exc.context})" if exc.context else ""
        raise CodebookInvalid([f"{source}{line}: YAML syntax error: {exc.problem or exc}{context}"]) from None
    except yaml.YAMLError as exc:
        raise CodebookInvalid([f"{source}: YAML syntax error: {exc}"]) from None
    if root is None:
        raise CodebookInvalid([f"{source}: the codebook is empty"])
    top = _mapping(checker, root, TOP_FIELDS, "the codebook")
    if top is None:
        raise CodebookInvalid(checker.problems)
    codebook = Codebook(
        name=_text(checker, top, "codebook"),
        version=_text(checker, top, "version"),
        description=_text(checker, top, "description"),
        scale=tuple(_steps(checker, top.get("scale"))),
        facets=tuple(_facets(checker, top.get("facets"))),
        codes=tuple(_codes(checker, top.get("codes"))),
    )
    rated = tuple(_rated(checker, top.get("rated"), {c.id for c in codebook.codes}))
    codebook = Codebook(
        codebook.name, codebook.version, codebook.description, codebook.scale, codebook.facets, codebook.codes, rated
    )
    if checker.problems:
        raise CodebookInvalid(checker.problems)
    return codebook


def _mapping(checker: _Checker, node: yaml.Node, fields: tuple[str, ...], what: str) -> dict[str, yaml.Node] | None:
    if not isinstance(node, yaml.MappingNode):
        checker.add(node, f"{what} must be a mapping of fields")
        return None
    result: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if key in result:
            checker.add(key_node, f"field {key!r} given twice in {what}")
        elif key not in fields:
            guess = difflib.get_close_matches(str(key), fields, n=1)
            hint = f"; did you mean {guess[0]!r}?" if guess else f" (known fields: {', '.join(fields)})"
            checker.add(key_node, f"unknown field {key!r} in {what}{hint}")
        else:
            result[key] = value_node
    result["__node__"] = node
    return result


def _text(checker: _Checker, fields: dict[str, yaml.Node], key: str, *, required: bool = False, what: str = "") -> str:
    node = fields.get(key)
    if node is None:
        if required:
            checker.add(fields["__node__"], f"{what} has no {key}")
        return ""
    if not isinstance(node, yaml.ScalarNode):
        checker.add(node, f"{key} must be text")
        return ""
    value = str(node.value).strip() if node.tag != "tag:yaml.org,2002:null" else ""
    if required and not value:
        checker.add(node, f"{what} has an empty {key}")
    return value


def _items(checker: _Checker, node: yaml.Node | None, section: str) -> list[yaml.Node]:
    if node is None:
        return []
    if not isinstance(node, yaml.SequenceNode):
        checker.add(node, f"{section} must be a list")
        return []
    return node.value


def _check_id(checker: _Checker, fields: dict, what: str, seen: dict[str, int]) -> str:
    node = fields.get("id")
    value = _text(checker, fields, "id", required=True, what=what)
    if value and not ID_RE.match(value):
        checker.add(node, f"bad id {value!r}: use letters, digits, '-', '_' or '.', starting with a letter or digit")
    elif value in seen:
        checker.add(node, f"duplicate id {value!r} (first defined on line {seen[value]})")
    elif value and node is not None:
        seen[value] = node.start_mark.line + 1
    return value


def _color(checker: _Checker, fields: dict) -> str:
    value = _text(checker, fields, "color")
    if value and not COLOR_RE.match(value):
        checker.add(fields["color"], f"bad colour {value!r}: use #RRGGBB")
    return value


def _steps(checker: _Checker, node: yaml.Node | None) -> list[ScaleStep]:
    steps: list[ScaleStep] = []
    seen: dict[str, int] = {}
    labels: dict[str, str] = {}
    for item in _items(checker, node, "scale"):
        fields = _mapping(checker, item, STEP_FIELDS, "a scale step")
        if fields is None:
            continue
        step_id = _check_id(checker, fields, "a scale step", seen)
        label = _text(checker, fields, "label", required=True, what=f"scale step {step_id!r}")
        if label and label in labels:
            checker.add(fields["label"], f"scale label {label!r} already used by {labels[label]!r}")
        labels[label] = step_id
        value = _text(checker, fields, "value")
        number = len(steps) + 1
        if value:
            try:
                number = int(value)
            except ValueError:
                checker.add(fields["value"], f"scale value must be an integer, not {value!r}")
            else:
                if not -(2**63) <= number < 2**63:  # what SQLite stores as an integer
                    checker.add(fields["value"], f"scale value {value} is too large")
                    number = len(steps) + 1
        steps.append(ScaleStep(step_id, label, _text(checker, fields, "label_en"), number, _color(checker, fields)))
    return steps


def _facets(checker: _Checker, node: yaml.Node | None) -> list[Facet]:
    facets: list[Facet] = []
    seen: dict[str, int] = {}
    for item in _items(checker, node, "facets"):
        fields = _mapping(checker, item, FACET_FIELDS, "a facet")
        if fields is None:
            continue
        facet_id = _check_id(checker, fields, "a facet", seen)
        name = _text(checker, fields, "name", required=True, what=f"facet {facet_id!r}")
        facets.append(Facet(facet_id, name, _text(checker, fields, "name_en")))
    return facets


def _codes(checker: _Checker, node: yaml.Node | None) -> list[Code]:
    codes: list[Code] = []
    seen: dict[str, int] = {}
    parents: list[tuple[str, str, yaml.Node]] = []
    shortcuts: dict[str, str] = {}
    for position, item in enumerate(_items(checker, node, "codes")):
        fields = _mapping(checker, item, CODE_FIELDS, "a code")
        if fields is None:
            continue
        code_id = _check_id(checker, fields, "a code", seen)
        what = f"code {code_id!r}" if code_id else "a code"
        name = _text(checker, fields, "name", required=True, what=what)
        parent = _text(checker, fields, "parent") or None
        if parent:
            parents.append((code_id, parent, fields["parent"]))
        shortcut = _text(checker, fields, "shortcut")
        if shortcut:
            if shortcut not in SHORTCUTS:
                checker.add(fields["shortcut"], f"bad shortcut {shortcut!r} for {what}: use one digit 0-9")
            elif shortcut in shortcuts:
                checker.add(
                    fields["shortcut"], f"shortcut {shortcut!r} already belongs to code {shortcuts[shortcut]!r}"
                )
            else:
                shortcuts[shortcut] = code_id
        codes.append(
            Code(
                id=code_id,
                name=name,
                parent_id=parent,
                name_en=_text(checker, fields, "name_en"),
                description=_text(checker, fields, "description"),
                color=_color(checker, fields),
                shortcut=shortcut,
                keywords=tuple(_keywords(checker, fields.get("keywords"))),
                position=position,
            )
        )
    parent_of = {code_id: parent for code_id, parent, _ in parents}
    for code_id, parent, parent_node in parents:
        if parent not in seen:
            checker.add(parent_node, f"unknown parent {parent!r} of code {code_id!r}")
            continue
        walk, steps = parent, 0
        while walk in parent_of and steps <= len(parent_of):
            if walk == code_id:
                checker.add(parent_node, f"code {code_id!r} is its own ancestor (parent cycle)")
                break
            walk, steps = parent_of[walk], steps + 1
    return codes


def _rated(checker: _Checker, node: yaml.Node | None, code_ids: set[str]) -> list[str]:
    rated: list[str] = []
    for item in _items(checker, node, "rated"):
        if not isinstance(item, yaml.ScalarNode) or not str(item.value).strip():
            checker.add(item, "each entry of rated must be a code id")
            continue
        code_id = str(item.value).strip()
        if code_id not in code_ids:
            checker.add(item, f"rated names unknown code {code_id!r}")
        elif code_id in rated:
            checker.add(item, f"code {code_id!r} is listed twice in rated")
        else:
            rated.append(code_id)
    return rated


def _keywords(checker: _Checker, node: yaml.Node | None) -> list[str]:
    if node is None:
        return []
    if not isinstance(node, yaml.SequenceNode):
        checker.add(node, "keywords must be a list of words")
        return []
    words = []
    for item in node.value:
        if not isinstance(item, yaml.ScalarNode) or not str(item.value).strip():
            checker.add(item, "each keyword must be non-empty text")
            continue
        words.append(str(item.value).strip())
    return words


def to_data(codebook: Codebook) -> dict[str, Any]:
    """The codebook as plain data in the file's field order, leaving out empty fields."""

    def clean(pairs: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in pairs.items() if v not in ("", None, [], ())}

    data: dict[str, Any] = clean(
        {"codebook": codebook.name, "version": codebook.version, "description": codebook.description}
    )
    data["scale"] = [
        clean({"id": s.id, "label": s.label, "label_en": s.label_en, "value": s.value, "color": s.color})
        for s in codebook.scale
    ]
    data["facets"] = [clean({"id": f.id, "name": f.name, "name_en": f.name_en}) for f in codebook.facets]
    if codebook.rated:
        data["rated"] = list(codebook.rated)
    data["codes"] = [
        clean(
            {
                "id": c.id,
                "parent": c.parent_id,
                "name": c.name,
                "name_en": c.name_en,
                "description": c.description,
                "color": c.color,
                "shortcut": c.shortcut,
                "keywords": list(c.keywords),
            }
        )
        for c in codebook.codes
    ]
    return data


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # U+0085 (NEXT LINE) is a line break to YAML: outside double quotes, which escape it, it reads back as a space.
    style = '"' if "\x85" in value else "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_DUMPER: type[yaml.SafeDumper] | None = None


def _dumper() -> type[yaml.SafeDumper]:
    """SafeDumper writing multi-line strings as blocks (made on first dump: PyYAML loads lazily)."""
    global _DUMPER
    if _DUMPER is None:
        dumper: type[yaml.SafeDumper] = type("_Dumper", (yaml.SafeDumper,), {})
        dumper.add_representer(str, _str)
        _DUMPER = dumper
    return _DUMPER


def dumps(codebook: Codebook) -> str:
    header = "# qualcode codebook: codes (parent gives the tree), rating facets and scale. Edit and `qualcode codebook check` it.\n"
    return header + yaml.dump(to_data(codebook), Dumper=_dumper(), allow_unicode=True, sort_keys=False, width=100)
