#!/usr/bin/env bash
# Dispatch policies on real MPI runs, against queueing theory where it has
# an exact answer. Each theory check uses a fixed seed, 3 single-server
# nodes at 60% load and 2 ms mean exponential service; the tolerance is
# 10% (the unit tests check the same in virtual time within 3%; the rest
# covers the round trips a real run adds and scheduling delays on a loaded
# 2-core machine).
#
# A VM's host can take its CPUs away for milliseconds at a time (steal,
# in /proc/stat): on this project's 2-core VM, 5-10% steal during a run put
# the mean latency 20-50% above theory, with the previous build and this one
# alike. Such a run says nothing about the model, so a check whose run lands
# outside the tolerance is run again, at most 3 times, and the tolerance
# widens to 25% for a run during which the host stole more than 2% of the
# CPU time. A model error fails all three.
source "$(dirname "$0")/lib.sh"

theory_run() { # policy out.json
    cs 4 -q --set load.duration_s=12 --set load.warmup_s=2 --set load.utilization=0.6 --set load.seed=21 \
        --set dispatch.policy="$1" --set dispatch.max_pending=1000000 \
        --set service.time='{"dist":"exponential","mean_us":2000}' --json "$2"
    [ "$RC" -eq 0 ] || bad "$1 exited $RC: $(cat "$TMP/err")"
    check_valid "$2"
}

# theory_check POLICY OUT THEORY_FN WHAT: run POLICY until its mean latency
# is within the tolerance of THEORY_FN OUT (microseconds), at most 3 times.
theory_check() {
    local policy=$1 out=$2 theory_fn=$3 what=$4 attempt theory tol
    for attempt in 1 2 3; do
        theory_run "$policy" "$out"
        theory=$($theory_fn "$out")
        tol=$(awk -v s="$STEAL" 'BEGIN { print (s > 0.02 ? 0.25 : 0.10) }')
        echo "$policy, run $attempt: measured $(jq .latency_us.mean "$out") us, theory $theory us, host steal $STEAL, tolerance $tol"
        jq -e "(.latency_us.mean / $theory - 1) | fabs < $tol" "$out" >/dev/null && break
    done
    check "$out" "(.latency_us.mean / $theory - 1) | fabs < $tol" "$what (run $attempt)" '{latency_us, queue_wait_us}'
}

# pull: one central queue, 3 servers: M/M/3, Erlang C. A pulling node
# also waits a round trip between two requests (its reply goes to the
# coordinator, the next request comes back), so the servers are occupied
# for the service plus that round trip (queue_wait_us, the round trip less
# the service), and every answer carries one. On this 2-core VM that round
# trip was 80-170 us and put the mean 5-33% above plain Erlang C (six runs,
# before and after the same code), but within -6% and +8% of M/M/3 for the
# occupied time: the check uses the latter.
mmc() { # mean service us, round trip us -> M/M/3 mean response us at 900 req/s
    jq -n --argjson s "$1" --argjson rt "$2" '
      def erlang_b(c; a): reduce range(1; c + 1) as $k (1; a * . / ($k + a * .));
      (3) as $c | (0.6 * 1500) as $lam | (1e6 / ($s + $rt)) as $mu | ($lam / $mu) as $a | ($a / $c) as $rho |
      erlang_b($c; $a) as $b | ($b / (1 - $rho + $rho * $b)) as $C |
      1e6 * ($C / ($c * $mu - $lam) + 1 / $mu)'
}
pull_theory() { # out.json
    local rt
    rt=$(jq '.queue_wait_us.mean' "$1")
    awk -v t="$(mmc 2000 "$rt")" -v rt="$rt" 'BEGIN { print t + rt }'
}
echo "pull: plain Erlang C $(mmc 2000 0) us"
theory_check pull "$TMP/pull.json" pull_theory \
    "pull: mean latency within tolerance of M/M/3 (Erlang C) for the time its servers are occupied"
check "$TMP/pull.json" ".queue_wait_us.mean < 1000" "pull: the round trip between two requests is under 1 ms" '.queue_wait_us'

# round robin: each node sees every 3rd Poisson arrival, E_3/M/1.
rr_theory() {
    jq -n '
      (3) as $k | (0.6 * 500) as $lam | 500 as $mu |
      reduce range(0; 2000) as $i (0.5; pow($k * $lam / ($k * $lam + $mu * (1 - .)); $k)) |
      1e6 / ($mu * (1 - .))'
}
theory_check round_robin "$TMP/rr.json" rr_theory "round_robin: mean latency within tolerance of E3/M/1 (G/M/1)"

# The shoot-out: 80% load on nodes of speeds 2, 1 and 0.5. Random and
# round robin send the slow node more than it can serve. Service is 5 ms
# on average so that pull's round trip between two requests (tens of
# microseconds here) stays small next to the fast node's 2.5 ms.
for p in random round_robin power_of_d pull; do
    cs 4 -q --set load.duration_s=5 --set load.warmup_s=1 --set load.utilization=0.8 --set load.seed=6 \
        --set nodes.speed='[2,1,0.5]' --set dispatch.policy="$p" --set dispatch.max_pending=1000000 \
        --set service.time.mean_us=5000 \
        --json "$TMP/shoot-$p.json"
    [ "$RC" -eq 0 ] || bad "$p exited $RC: $(cat "$TMP/err")"
    check_valid "$TMP/shoot-$p.json"
done
p99() { jq .latency_us.p99 "$TMP/shoot-$1.json"; }
echo "p99 at 80% on mixed speeds: random $(p99 random) round_robin $(p99 round_robin) power_of_d $(p99 power_of_d) pull $(p99 pull)"
awk -v pd="$(p99 power_of_d)" -v r="$(p99 random)" -v rr="$(p99 round_robin)" -v pull="$(p99 pull)" \
    'BEGIN { exit !(pd < r && pd < rr && pull < pd) }' &&
    ok "p99: pull < power_of_d < random and round_robin" || bad "p99 order wrong"
finish
