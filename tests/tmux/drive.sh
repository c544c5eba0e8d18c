#!/usr/bin/env bash
# Drive the real app in a real terminal (tmux): open the A–E project, select a quote, code it,
# search, jump to a hit, code it, quit; then check the database. Usage: tests/tmux/drive.sh [QUALCODE]
set -euo pipefail
QUALCODE=${1:-qualcode}
work=$(mktemp -d)
db="$work/qualcode.db"
session="qualcode-drive-$$"
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$work"' EXIT

"$QUALCODE" --project "$db" demo --no-tui >/dev/null 2>&1
# No COLUMNS/LINES: Textual would take them over the pane's size, and a parent may have exported them (pytest
# imports readline, which sets both; a running tmux server may hold them in its global environment).
tmux new-session -d -s "$session" -x 150 -y 45 \
  "env -u COLUMNS -u LINES QUALCODE_CONFIG=$work/none.toml $QUALCODE --project $db --coder tmux"
wait_for() {  # wait until the screen shows $1
  for _ in $(seq 1 50); do
    tmux capture-pane -t "$session" -p | grep -q -- "$1" && return 0
    sleep 0.2
  done
  echo "screen never showed: $1" >&2; tmux capture-pane -t "$session" -p >&2; return 1
}
keys() { tmux send-keys -t "$session" "$@"; sleep 0.4; }

wait_for "受訪者編號：A"
# the first answer starts on line 7; select its first 8 characters after the label
keys Down Down Down Down Down Down
keys Right Right
for _ in $(seq 1 8); do keys S-Right; done
wait_for "選取 8 字"
keys 2                                   # shortcut 2 = public-demand
wait_for "本文件 1 筆編碼"
keys /
wait_for "皆須出現"                       # the search screen's placeholder, not the footer
tmux send-keys -t "$session" -l "就業e網"; sleep 0.4
keys Enter
wait_for "筆符合"
keys Enter                               # jump to the first hit, selected
wait_for "選取 [45] 字"                   # 就業e網, or 就業 e網 as the transcript spaces it
keys 7                                   # code the hit: central-support
wait_for "共 2 筆"
# Scrolled down to the hit: code the next answer, a turn of several rows, whole; every row of it is marked
# on the screen (the rows redrawn after a coding were once counted from the top of the screen twice over)
marks() { tmux capture-pane -t "$session" -p | grep -c '│[▌█]' || true; }  # transcript rows showing a mark
before=$(marks)
keys Down Down
keys t
wait_for "選取 [0-9]* 字"
keys 8                                   # the code of shortcut 8
wait_for "共 3 筆"
sleep 0.4
after=$(marks)
if [ "$after" -lt $((before + 2)) ]; then
  echo "the coded turn's rows are not all marked ($before -> $after rows)" >&2; tmux capture-pane -t "$session" -p >&2
  exit 1
fi
keys q
for _ in $(seq 1 50); do tmux has-session -t "$session" 2>/dev/null || break; sleep 0.2; done

codings_json() { "$QUALCODE" --project "$db" codings --json; }
codings=$(codings_json)
python3 - "$codings" <<'PY'
import json, sys
codings = json.loads(sys.argv[1])
assert len(codings) == 3, codings
whole = [c for c in codings if c["code"] not in ("public-demand", "central-support")]
assert len(whole) == 1 and len(whole[0]["text"]) > 60, (whole, codings)  # the whole answer
first, second = sorted((c for c in codings if c is not whole[0]), key=lambda c: c["code"], reverse=True)
assert first["code"] == "public-demand" and first["text"] == "第一個原因最主要", first
assert second["code"] == "central-support" and second["text"] in ("就業ｅ網", "就業e網", "就業 e網"), second
assert all(c["coder"] == "tmux" for c in codings)
print("tmux drive: ok", [(c["case"], c["code"], c["text"]) for c in codings])
PY
