# The count every test script keeps, and its ending: source it, then call
# ok and bad for each check and finish last. finish prints the script's
# count and appends it to CS_TALLY (set by ctest), from which
# scripts/test.sh adds up the suite's: script passed failed timed
# not_judged skipped. Timed checks (tests/mpi/lib.sh) count in TIMED,
# NOT_JUDGED and SKIPPED.
PASSES=0 FAILS=0 TIMED=0 NOT_JUDGED=0 SKIPPED=0

ok() { PASSES=$((PASSES + 1)); echo "ok: $*"; }
bad() { FAILS=$((FAILS + 1)); echo "FAIL: $*" >&2; }

# finish: more than one timed check not judged fails the script (one
# disturbed run is the host; more is a pattern to look at), and so does a
# script in which no check passed.
finish() {
    [ "$NOT_JUDGED" -le 1 ] || bad "$NOT_JUDGED timed checks not judged (at most 1 may be)"
    [ "$PASSES" -gt 0 ] || bad "no check passed"
    echo "$PASSES passed, $FAILS failed ($TIMED timed: $NOT_JUDGED not judged; $SKIPPED skipped)"
    if [ -n "${CS_TALLY:-}" ]; then
        echo "$(basename "$0" .sh) $PASSES $FAILS $TIMED $NOT_JUDGED $SKIPPED" >>"$CS_TALLY"
    fi
    [ "$FAILS" -eq 0 ]
}
