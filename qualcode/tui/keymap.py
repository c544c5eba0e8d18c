"""Key bindings as data: every binding has an id, so users remap it in the config file's [keys] table."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Key:
    id: str
    keys: str
    action: str
    zh: str
    en: str
    show: bool = True
    priority: bool = False


# The footer of a narrow terminal (under WIDE columns) shows only these, so none is cut in half.
NARROW_FOOTER = ("help", "pick-code", "undo", "search", "toggle-cases", "toggle-codes", "quit")
WIDE = 120  # from this many columns the side panels sit beside the transcript; below, they are overlays


APP_KEYS: list[Key] = [
    Key("help", "question_mark", "help", "說明", "Help"),
    Key("pick-code", "c", "pick_code", "選代碼", "Code…"),
    Key("select-turn", "t", "select_turn", "選本輪", "Turn"),
    Key("select-sentence", "s", "select_sentence", "選本句", "Sentence"),
    Key("remove-coding", "x", "remove_coding", "移除編碼", "Uncode"),
    Key("memo", "m", "memo", "備忘", "Memo"),
    Key("copy-quote", "y", "copy_quote", "複製引文", "Copy quote", show=False),
    Key("undo", "u,ctrl+z", "undo", "復原", "Undo", priority=False),
    Key("redo", "U,ctrl+y", "redo", "重做", "Redo", show=False),
    Key("search", "slash", "search", "搜尋", "Search"),
    Key("next-hit", "n", "next_hit", "下一筆", "Next hit", show=False),
    Key("previous-hit", "N", "previous_hit", "上一筆", "Previous hit", show=False),
    Key("ratings", "r", "ratings", "評定", "Ratings"),
    Key("export", "e", "export", "匯出", "Export"),
    Key("review", "v", "review", "待檢視", "Review", show=False),
    Key("adjudicate", "d", "adjudicate", "裁決分歧", "Adjudicate", show=False),
    Key("manage-codes", "k", "manage_codes", "管理代碼", "Manage codes", show=False),
    Key("memos", "M", "memos", "備忘錄（專案、文件、個案、代碼）", "Memos (project, document, case, code)", show=False),
    Key("refresh", "ctrl+r,f5", "refresh", "重新載入", "Reload", show=False),
    Key("only-mine", "o", "toggle_only_mine", "只看我的", "Only mine", show=False),
    Key("keywords", "w", "toggle_keywords", "標出關鍵詞", "Keywords", show=False),
    Key("suggest", "g", "toggle_suggestions", "建議代碼", "Suggest codes", show=False),
    Key("language", "L", "toggle_language", "中/英", "中/EN", show=False),
    Key("toggle-cases", "b", "toggle_panel('cases')", "個案欄", "Cases", show=False),
    Key("toggle-codes", "p", "toggle_panel('codes')", "代碼欄", "Codes", show=False),
    Key("next-document", "right_square_bracket", "next_document", "下一份", "Next doc", show=False),
    Key("previous-document", "left_square_bracket", "previous_document", "上一份", "Prev doc", show=False),
    Key("quit", "q", "quit", "離開", "Quit"),
] + [
    Key(f"apply-code-{d}", d, f"apply_shortcut('{d}')", f"套用代碼 {d}", f"Apply code {d}", show=False)
    for d in "1234567890"
]


# The adjudication screen (`d`): decide where the coders disagree; written as the consensus coder's codings.
ADJUDICATE_KEYS: list[Key] = [
    Key("adjudicate-close", "escape", "close", "返回", "Back"),
    *[
        Key(f"adjudicate-keep-{n}", str(n), f"keep({n})", f"採用第 {n} 位編碼者", f"Keep coder {n}'s", show=False)
        for n in range(1, 10)
    ],
    Key("adjudicate-union", "b", "decide('union')", "聯集", "Both"),
    Key("adjudicate-intersection", "i", "decide('intersection')", "交集", "Intersection"),
    Key("adjudicate-drop", "x", "decide('drop')", "捨棄", "Drop"),
    Key("adjudicate-undo", "u", "undo", "復原裁決", "Undo"),
    Key("adjudicate-redo", "U", "redo", "重做裁決", "Redo", show=False),
    Key("adjudicate-unit", "t", "cycle_unit", "切換單位", "Unit"),
]


# The other screens' keys; the app relabels them in its language when it pushes the screen (`KEYS`).
SEARCH_KEYS = [
    Key("search-close", "escape", "close", "返回", "Back"),
    Key("search-focus-query", "ctrl+f", "focus_query", "查詢", "Query", show=False),
]
REVIEW_KEYS = [
    Key("review-close", "escape", "close", "返回", "Back"),
    Key("review-attach", "a", "attach", "接到選取處", "Attach"),
    Key("review-delete", "x", "delete", "刪除", "Delete"),
    Key("review-confirm", "c", "confirm", "已確認", "Checked"),
]
EXPORT_KEYS = [Key("export-cancel", "escape", "cancel", "返回", "Back")]
PICKER_KEYS = [
    Key("picker-cancel", "escape", "cancel", "取消", "Cancel"),
    Key("picker-down", "down", "down", "下", "Down", show=False),
    Key("picker-up", "up", "up", "上", "Up", show=False),
]
NEW_CODE_KEYS = [Key("new-code-cancel", "escape", "cancel", "取消", "Cancel")]
CHOOSE_KEYS = [Key("dialog-cancel", "escape", "cancel", "取消", "Cancel")]
MEMO_KEYS = [
    Key("memo-cancel", "escape", "cancel", "取消", "Cancel"),
    Key("memo-save", "ctrl+s", "save", "儲存", "Save", priority=True),
]
LINE_KEYS = [Key("line-cancel", "escape", "cancel", "取消", "Cancel")]
# The code manager (`k`): acts on the highlighted code; every change is undoable (`u`) like the main screen's.
CODES_KEYS = [
    Key("codes-close", "escape", "close", "返回", "Back"),
    Key("codes-rename", "r", "rename", "改名", "Rename"),
    Key("codes-move", "m", "move", "移動", "Move"),
    Key("codes-merge", "g", "merge", "合併", "Merge"),
    Key("codes-delete", "x,delete", "delete", "刪除", "Delete"),
    Key("codes-color", "c", "color", "顏色", "Colour"),
    Key("codes-key", "k", "shortcut", "快捷鍵", "Key"),
    Key("codes-definition", "d", "definition", "定義", "Definition"),
    Key("codes-undo", "u,ctrl+z", "undo", "復原", "Undo"),
    Key("codes-redo", "U,ctrl+y", "redo", "重做", "Redo", show=False),
]
FORM_KEYS = [Key("form-cancel", "escape", "cancel", "取消", "Cancel")]
CONFIRM_KEYS = [
    Key("confirm-yes", "y", "yes", "確定", "Yes"),
    Key("confirm-no", "n,escape", "no", "取消", "No"),
]
MEMO_TARGETS_KEYS = [Key("memo-targets-cancel", "escape", "cancel", "取消", "Cancel")]
HELP_KEYS = [Key("help-close", "escape,question_mark,q", "close", "關閉", "Close")]
RATINGS_KEYS = [
    Key("ratings-close", "escape", "close", "返回", "Back"),
    Key("rate-1", "1", "set_step(0)", "弱", "weak"),
    Key("rate-2", "2", "set_step(1)", "中", "medium"),
    Key("rate-3", "3", "set_step(2)", "強", "strong"),
    Key("rate-clear", "0", "clear", "清除", "Clear"),
    Key("rate-note", "n", "note", "註記", "Note"),
    Key("rate-attach", "a", "attach", "加證據", "Attach"),
    Key("rate-detach", "d", "detach", "移除證據", "Detach"),
    Key("rate-quotes", "enter", "open_quotes", "看引文", "Quotes"),
    Key("rate-facet", "f", "next_facet", "切換構面", "Facet"),
]


def bindings(keys: list[Key], language: str = "zh", *, narrow: bool = False) -> list[Binding]:
    """Textual bindings in `language`; `narrow`: the footer shows only NARROW_FOOTER and a screen's way back
    (its own help line lists the rest)."""
    return [
        Binding(
            k.keys,
            k.action,
            k.zh if language == "zh" else k.en,
            show=(k.id in NARROW_FOOTER or k.action in ("close", "cancel")) if narrow else k.show,
            id=k.id,
            priority=k.priority,
        )
        for k in keys
    ]


def describe(keys: list[Key], language: str, keymap: dict[str, str]) -> list[tuple[str, str, str]]:
    """(binding id, keys as the user has them, description) for the help screen."""
    return [(k.id, keymap.get(k.id, k.keys), k.zh if language == "zh" else k.en) for k in keys]
