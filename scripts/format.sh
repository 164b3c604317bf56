#!/usr/bin/env bash
# Format the C sources with clang-format and the project's .clang-format:
#   scripts/format.sh           rewrite every tracked .c and .h in place
#   scripts/format.sh --check   change nothing; list the files that differ
#                               and exit 1 if any does (CI runs this)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

cs_need_packages clang-format
cd "$CS_ROOT"
# The tracked sources: a copy without git (a download), or one git will
# not read (another user's checkout), is told so, not taken for no files.
if ! list=$(git ls-files '*.c' '*.h' 2>&1) || [ -z "$list" ]; then
    echo "scripts/format.sh needs a git checkout to find the sources: git ls-files said: ${list:-nothing}" >&2
    exit 2
fi
mapfile -t files <<<"$list"
if [ "${1:-}" = "--check" ]; then
    bad=0
    for f in "${files[@]}"; do
        if ! clang-format --style=file "$f" | cmp -s - "$f"; then
            echo "not formatted: $f (scripts/format.sh fixes it)" >&2
            bad=1
        fi
    done
    [ "$bad" -eq 0 ] && echo "formatted: ${#files[@]} files"
    exit "$bad"
fi
clang-format --style=file -i "${files[@]}"
