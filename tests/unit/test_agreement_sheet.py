"""Reading reliability data from a long-format sheet: the matrix it gives, and one clear line per bad sheet."""

from __future__ import annotations

import codecs
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.agreement import agreement, read_sheet
from qualcode.errors import BadInput


def _write(tmp_path, text: str, name: str = "sheet.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_columns_in_any_order_bom_crlf_and_empty_values(tmp_path):
    text = (
        " Coder ,VALUE,unit,item\r\n"
        "蔡,強,A,預算\r\n"
        "林,中,A,預算\r\n"
        "\r\n"
        "蔡,,A,人力\r\n"  # recorded nothing: missing
        "林,弱,A,人力\r\n"
        "林,強,B,預算\r\n"
    )
    path = tmp_path / "sheet.csv"
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    sheet = read_sheet(path)
    assert sheet.coders == ["蔡", "林"]
    assert sheet.units == [("A", "預算"), ("A", "人力"), ("B", "預算")]
    assert sheet.matrix == [["強", None, None], ["中", "弱", "強"]]
    assert list(sheet.per_item) == ["預算", "人力"]
    assert sheet.per_item["預算"].units == ["A", "B"]
    assert sheet.per_item["預算"].matrix == [["強", None], ["中", "強"]]
    assert sheet.per_item["人力"].matrix == [[None], ["弱"]]
    assert agreement(sheet.matrix, sheet.coders).units == 1


def test_krippendorff_2011_data_as_a_sheet(tmp_path):
    rows = [
        "1,2,3,3,2,1,4,1,2,,,",
        "1,2,3,3,2,2,4,1,2,5,,3",
        ",3,3,3,2,3,4,2,2,5,1,",
        "1,2,3,3,2,4,4,1,2,5,1,",
    ]
    lines = ["unit,item,coder,value"]
    for coder, row in zip("ABCD", rows):
        lines += [f"u{i + 1},q,{coder},{v}" for i, v in enumerate(row.split(","))]
    sheet = read_sheet(_write(tmp_path, "\n".join(lines) + "\n"), level="interval")
    assert sheet.matrix[0][:3] == [1, 2, 3]
    result = agreement(sheet.matrix, sheet.coders, "interval")
    assert round(result.krippendorff_alpha, 3) == 0.849
    assert round(result.percent, 3) == 0.818


def test_holsti_from_a_three_coder_sheet(tmp_path):
    decisions = {"a": "xxyy-", "b": "xyy-x", "c": "xxyyy"}  # "-": an empty value, recorded nothing
    text = "unit,item,coder,value\n" + "".join(
        f"t{unit},code,{coder},{value.strip('-')}\n"
        for coder, values in decisions.items()
        for unit, value in enumerate(values)
    )
    sheet = read_sheet(_write(tmp_path, text))
    # worked in test_agreement_stats.test_holsti_three_coders_by_hand: 1/2, 8/9, 4/9; composite 33/40
    result = agreement(sheet.matrix, sheet.coders)
    assert result.holsti.pairs == {"a|b": 0.5, "a|c": 8 / 9, "b|c": 4 / 9}
    assert result.holsti.composite == 0.825


def test_numbers_at_numeric_levels_text_at_nominal(tmp_path):
    path = _write(tmp_path, "unit,item,coder,value\nu,i,a, 2.5 \nu,i,b,3\nv,i,a,1e1\n")
    assert read_sheet(path, level="ratio").matrix == [[2.5, 10.0], [3, None]]
    assert read_sheet(path).matrix == [["2.5", "1e1"], ["3", None]]
    with pytest.raises(ValueError, match="unknown level"):
        read_sheet(path, level="cardinal")


BAD = [
    ("unit,item,coder,value,note\nu,i,a,1\n", "nominal", ":1: unknown column 'note'"),
    ("unit,item,value\nu,i,1\n", "nominal", ":1: missing column 'coder'"),
    ("unit,item,coder,unit\nu,i,a,1\n", "nominal", ":1: column 'unit' appears twice"),
    (
        "unit,item,coder,value\nu,i,a,1\nu,i,b,1\nu,i,a,2\n",
        "nominal",
        ":4: unit 'u', item 'i', coder 'a' is already given on line 2",
    ),
    (
        "unit,item,coder,value\nu,i,a,1\nu,i,b,強\n",
        "ordinal",
        ":3: value '強' is not a number; the ordinal level needs numbers",
    ),
    (
        "unit,item,coder,value\nu,i,a,yes\n",
        "interval",
        ":2: value 'yes' is not a number; the interval level needs numbers",
    ),
    ("unit,item,coder,value\nu,i,a,nan\n", "ratio", ":2: value 'nan' is not a number"),
    ("unit,item,coder,value\nu,i,a,-1\n", "ratio", ":2: value '-1' is negative"),
    ("unit,item,coder,value\nu,i,a\n", "nominal", ":2: 3 cells, but the header has 4 columns"),
    ("unit,item,coder,value\nu,i,,1\n", "nominal", ":2: empty coder"),
    ("unit,item,coder,value\n,i,a,1\n", "nominal", ":2: empty unit"),
    ("unit,item,coder,value\n\n", "nominal", ":2: no rows after the header"),
    ("", "nominal", ": the file is empty"),
    (" \n\n", "nominal", ": the file is empty"),
    ("unit,item,coder,value\nu,i,a,1\x00\n", "nominal", ":2: binary data"),
]


@pytest.mark.parametrize(("text", "level", "message"), BAD, ids=[m for _, _, m in BAD])
def test_bad_sheets_get_one_line_naming_the_file_and_row(tmp_path, text, level, message):
    path = _write(tmp_path, text)
    with pytest.raises(BadInput) as caught:
        read_sheet(path, level=level)
    assert str(caught.value).startswith(f"{path}{message}")
    assert "\n" not in str(caught.value)
    assert caught.value.exit_code == 2


def test_not_utf8_names_the_line_and_byte(tmp_path):
    data = "unit,item,coder,value\nu,i,a,強\n".encode("big5")  # 強 starts at byte 22 + 6
    for prefix, byte in ((b"", 28), (codecs.BOM_UTF8, 31)):
        path = tmp_path / "sheet.csv"
        path.write_bytes(prefix + data)
        with pytest.raises(BadInput, match=rf"sheet\.csv:2: not UTF-8 \(byte {byte}\)"):
            read_sheet(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(BadInput, match="no such file"):
        read_sheet(tmp_path / "absent.csv")
    with pytest.raises(BadInput, match="is a directory"):
        read_sheet(tmp_path)


decision = st.one_of(st.none(), st.sampled_from(["yes", "no", "強"]))


@settings(max_examples=100, deadline=None)
@given(
    matrix=st.integers(1, 4).flatmap(
        lambda units: st.lists(st.lists(decision, min_size=units, max_size=units), min_size=1, max_size=3)
    ),
    seed=st.integers(0, 2**16),
)
def test_a_shuffled_long_sheet_reads_back_as_its_matrix(tmp_path_factory, matrix, seed):
    coders = [f"c{i}" for i in range(len(matrix))]
    rows = [(f"u{j}", "item", coder, value or "") for coder, row in zip(coders, matrix) for j, value in enumerate(row)]
    random.Random(seed).shuffle(rows)
    rows.sort(key=lambda r: r[0] != "u0" or r[2] != "c0")  # first appearances in order: u0 by c0 first
    text = "value,coder,item,unit\n" + "".join(f"{v},{c},{i},{u}\n" for u, i, c, v in rows)
    sheet = read_sheet(_write(tmp_path_factory.mktemp("sheet"), text))
    by_coder = dict(zip(sheet.coders, sheet.matrix))
    by_unit = [u for u, _ in sheet.units]
    assert sorted(sheet.coders) == coders
    for coder, row in zip(coders, matrix):
        assert [by_coder[coder][by_unit.index(f"u{j}")] for j in range(len(row))] == row
    assert sheet.per_item["item"].matrix == sheet.matrix
