"""Heatmaps of the factor-strength table and of case x code matrices, as SVG or PNG, with CJK labels.

The CJK font is Noto Sans TC from the `justmytype-intl-cjk` package (SIL Open Font License), unless
$QUALCODE_CJK_FONT names another font file. SVG text is drawn as glyph outlines, so the file shows
the labels on machines without the font.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from qualcode.errors import QualcodeError

FORMATS = ("svg", "png")
SYSTEM_FONTS = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
]


def cjk_font() -> Path:
    override = os.environ.get("QUALCODE_CJK_FONT")
    if override:
        if not Path(override).exists():
            raise QualcodeError(f"$QUALCODE_CJK_FONT: no such font file {override}")
        return Path(override)
    try:
        from importlib.resources import files

        bundled = files("justmytype_intl_cjk") / "fonts" / "ofl" / "notosanstc" / "NotoSansTC[wght].ttf"
        if bundled.is_file():
            return Path(str(bundled))
    except ModuleNotFoundError:
        pass
    for candidate in SYSTEM_FONTS:
        if Path(candidate).exists():
            return Path(candidate)
    raise QualcodeError(
        "no CJK font found: pip install justmytype-intl-cjk, or apt install fonts-noto-cjk, "
        "or set $QUALCODE_CJK_FONT to a font file"
    )


def _pyplot():
    import logging

    import matplotlib

    matplotlib.use("Agg")
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # the variable font's weight note
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    font = cjk_font()
    font_manager.fontManager.addfont(str(font))
    name = font_manager.FontProperties(fname=str(font)).get_name()
    plt.rcParams["font.family"] = [name, "DejaVu Sans"]
    plt.rcParams["svg.fonttype"] = "path"
    plt.rcParams["svg.hashsalt"] = "qualcode"  # stable ids: the same data gives the same file
    return plt


def _save(fig, fmt: str) -> bytes:
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(buffer, format=fmt, dpi=150, bbox_inches="tight", metadata=metadata)
    return buffer.getvalue()


def table_heatmap(tables, fmt: str = "svg") -> bytes:
    """One panel per facet: factors as rows, cases as columns, each cell coloured and labelled by its step."""
    plt = _pyplot()
    from matplotlib.colors import to_rgb

    panels = len(tables)
    rows = max((len(t.rows) for t in tables), default=1)
    fig, axes = plt.subplots(
        1,
        panels,
        figsize=(2.2 + 1.1 * sum(len(t.cases) for t in tables) + 2.5 * panels, 0.45 * rows + 1.5),
        squeeze=False,
    )
    for ax, table in zip(axes[0], tables, strict=True):
        grid, labels = [], []
        for row in table.rows:
            colours, texts = [], []
            for case in table.cases:
                cell = table.cell(row.factor.id, case.id)
                colours.append(to_rgb(cell.step.color) if cell.step and cell.step.color else (0.93, 0.93, 0.93))
                texts.append(cell.step.label if cell.step else "")
            grid.append(colours)
            labels.append(texts)
        ax.imshow(grid, aspect="auto")
        ax.set_xticks(range(len(table.cases)), [c.name or c.id for c in table.cases])
        ax.xaxis.tick_top()
        ax.set_yticks(range(len(table.rows)), [r.factor.name for r in table.rows])
        for y, texts in enumerate(labels):
            for x, text in enumerate(texts):
                r, g, b = grid[y][x]
                ax.text(
                    x,
                    y,
                    text,
                    ha="center",
                    va="center",
                    color="white" if (0.299 * r + 0.587 * g + 0.114 * b) < 0.55 else "black",
                )
        ax.set_title(table.facet.name, pad=24)
        ax.tick_params(length=0)
    fig.tight_layout()
    data = _save(fig, fmt)
    plt.close(fig)
    return data


def matrix_heatmap(matrix, fmt: str = "svg") -> bytes:
    """Codes as rows, cases (or codes) as columns, shaded by value and labelled with it."""
    plt = _pyplot()
    values = [[matrix.value(code_id, column) for column, _ in matrix.columns] for code_id, _, _ in matrix.rows]
    fig, ax = plt.subplots(figsize=(2.5 + 0.9 * len(matrix.columns), 0.4 * len(matrix.rows) + 1.5))
    image = ax.imshow(values, cmap="Blues", aspect="auto")
    ax.set_xticks(
        range(len(matrix.columns)),
        [label for _, label in matrix.columns],
        rotation=45 if len(matrix.columns) > 8 else 0,
    )
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(matrix.rows)), [name for _, name, _ in matrix.rows])
    top = max((v for row in values for v in row), default=0) or 1
    for y, row in enumerate(values):
        for x, value in enumerate(row):
            if value:
                text = str(int(value)) if float(value).is_integer() else f"{value:.1f}"
                ax.text(
                    x, y, text, ha="center", va="center", color="white" if value > top * 0.6 else "black", fontsize=8
                )
    fig.colorbar(image, ax=ax, shrink=0.6)
    ax.set_title(matrix.kind, pad=24)
    fig.tight_layout()
    data = _save(fig, fmt)
    plt.close(fig)
    return data
