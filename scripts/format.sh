#!/usr/bin/env bash
# Format the C sources with clang-format and the project's .clang-format:
#   scripts/format.sh           rewrite every tracked .c and .h in place
#   scripts/format.sh --check   change nothing; list the files that differ
#                               and exit 1 if any does (CI runs this)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

cs_need_packages clang-format
cd "$CS_ROOT"
mapfile -t files < <(git ls-files '*.c' '*.h')
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
