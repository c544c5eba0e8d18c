"""REFI-QDA 1.5 exchange with NVivo, ATLAS.ti, MAXQDA and QualCoder.

writer.py writes .qdpx projects and .qdc codebooks; reader.py parses them hardened into plain data;
importer.py writes that data into a project through its services, all of it or nothing.
"""

from __future__ import annotations

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
VARIABLE_TYPES = {"text": "Text", "integer": "Integer", "number": "Float", "boolean": "Boolean", "date": "Date"}
VALUE_TAGS = {
    "text": "TextValue",
    "integer": "IntegerValue",
    "number": "FloatValue",
    "boolean": "BooleanValue",
    "date": "DateValue",
}
# qualcode's own data (codebook, code ids, case ids, ratings) rides in a Note of this name holding JSON; the
# variable of this name, in a nameless Case per source, tells QualCoder which case a source is in.
QUALCODE_DATA = "qualcode data"
QUALCODE_FORMAT = "qualcode-refi/1"
LINK_VARIABLE = "qualcode case"
ANNOTATION_CODE = "annotation"  # the id of the code annotations (selections with a text and no coding) come in as
MAX_MEMBERS = 10_000
MAX_TOTAL = 1 << 30  # uncompressed bytes
MAX_RATIO = 200  # uncompressed / compressed, per member


def export_qdpx(project, pseudonyms=None) -> bytes:
    from qualcode.export.pseudonyms import Pseudonyms
    from qualcode.export.refi.writer import export_qdpx as write

    return write(project, pseudonyms or Pseudonyms())


def export_qdc(project) -> bytes:
    from qualcode.export.refi.writer import export_qdc as write

    return write(project)


def import_file(project, path, *, coder: str = "", before_write=None) -> dict[str, int]:
    from qualcode.export.refi.importer import import_file as read

    return read(project, path, coder=coder, before_write=before_write)
