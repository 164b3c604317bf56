#!/usr/bin/env bash
# Dispatch policies against queueing theory where it has an exact answer,
# three ways on one seed (theory_check in lib.sh): 3 single-server nodes
# at 60% load (900 req/s) and 2 ms mean exponential service; virtual time
# within 3% of theory, real ranks within 10% of virtual time with this
# machine's costs and never beyond 40% (a hard bound for any host: in
# this VM's noisy spells, the probe 5 ms late 20-40 times in 10 s, round
# robin measured up to 16% slow); pull 15% and 50% (up to 36% in a spell).
source "$(dirname "$0")/lib.sh"

policy=(--set load.warmup_s=2 --set load.rate_rps=900 --set load.seed=21 --set dispatch.max_pending=1000000
    --set service.time='{"dist":"exponential","mean_us":2000}')

# pull: one central queue, 3 servers: M/M/3, Erlang C. A pulling node
# also waits a round trip between two requests (its reply goes to the
# coordinator, the next request comes back): the handoff, which the nodes
# measure (queue_wait_us, the round trip less the service). Theory is
# plain Erlang C, so a slower handoff shows as a real run further from
# virtual time, and the handoff itself has a bound of its own. Which node
# takes which request is timing on ranks, so one seed is not one sample
# path there: the same run measured 2.64-2.83 ms in three tries and
# 3.02 ms once, against 2.51 calibrated; pull is held within 15% (hard
# 50%), where a handoff 300 us slower lands (+27%) and fails its own bound.
mmc() { # mean service us, round trip us -> M/M/3 mean response us at 900 req/s
    jq -n --argjson s "$1" --argjson rt "$2" '
      def erlang_b(c; a): reduce range(1; c + 1) as $k (1; a * . / ($k + a * .));
      (3) as $c | (0.6 * 1500) as $lam | (1e6 / ($s + $rt)) as $mu | ($lam / $mu) as $a | ($a / $c) as $rho |
      erlang_b($c; $a) as $b | ($b / (1 - $rho + $rho * $b)) as $C |
      1e6 * ($C / ($c * $mu - $lam) + 1 / $mu)'
}
pull_theory() { mmc 2000 0; }
theory_check pull pull_theory 0.15 0.50 "pull: M/M/3 (Erlang C)" 4 "${policy[@]}" --set dispatch.policy=pull \
    --set load.duration_s="$(dur 8)"
timed_check "$TMP/pull.json" ".service_us.handoff_mean_us < 250" ".service_us.handoff_mean_us < 1000" \
    "pull: the handoff between two requests is under 250 us" '.service_us'
# The nodes measure that handoff themselves, and the results predict with
# the service they occupied (delivered + handoff per request), where that
# is over 0.5% from what the requests asked for (their sample of the 2 ms
# mean, not the sample's spread): a longer prediction for a longer
# occupation than the 2 ms the model takes.
check "$TMP/pull.json" '.service_us.handoffs > 100 and .service_us.handoff_mean_us > 0 and
    .service_us.occupied_mean > .service_us.mean and
    (if (.service_us.occupied_mean / .service_us.asked_mean - 1 | fabs) > 0.005
     then (.theory.occupied_mean_us - .theory.mean_us) * (.service_us.occupied_mean - 2000) > 0
     else .theory.occupied_mean_us == null end)' \
    "pull: the nodes' handoff is measured and theory takes the occupied service" '{service_us, theory}'
# dispatch.prefetch 2: the next request travels while the node serves, so
# few requests find their node idle (only after a service shorter than
# the round trip), and theory says it has no closed form.
cs 4 -q "${policy[@]}" --set load.duration_s="$(dur 2)" --set load.warmup_s=0.5 --set dispatch.policy=pull \
    --set dispatch.prefetch=2 --json "$TMP/prefetch.json"
check_valid "$TMP/prefetch.json"
echo "pull handoffs per request: prefetch 1 $(jq '.service_us.handoffs / .requests.completed' "$TMP/pull.json")," \
    "prefetch 2 $(jq '.service_us.handoffs / .requests.completed' "$TMP/prefetch.json")"
one=$(jq '.service_us.handoffs / .requests.completed' "$TMP/pull.json")
check "$TMP/prefetch.json" ".service_us.handoffs / .requests.completed < 0.5 * $one
    and .theory.model == null and (.theory.why | contains(\"prefetch\"))" \
    "pull with prefetch 2: far fewer requests find their node idle" '{service_us, theory}'

# round robin: each node sees every 3rd Poisson arrival, E_3/M/1.
rr_theory() {
    jq -n '
      (3) as $k | (0.6 * 500) as $lam | 500 as $mu |
      reduce range(0; 2000) as $i (0.5; pow($k * $lam / ($k * $lam + $mu * (1 - .)); $k)) |
      1e6 / ($mu * (1 - .))'
}
theory_check rr rr_theory 0.10 0.40 "round_robin: E3/M/1 (G/M/1)" 4 "${policy[@]}" --set dispatch.policy=round_robin \
    --set load.duration_s="$(dur 8)"

# The shoot-out: 80% load on nodes of speeds 2, 1 and 0.5. Random and
# round robin send the slow node more than it can serve. Service is 5 ms
# on average so that pull's round trip between two requests (tens of
# microseconds here) stays small next to the fast node's 2.5 ms.
for p in random round_robin power_of_d pull; do
    cs 4 -q --set load.duration_s="$(dur 1.5)" --set load.warmup_s=0.5 --set load.utilization=0.8 --set load.seed=6 \
        --set nodes.speed='[2,1,0.5]' --set dispatch.policy="$p" --set dispatch.max_pending=1000000 \
        --set service.time.mean_us=5000 \
        --json "$TMP/shoot-$p.json"
    check_valid "$TMP/shoot-$p.json"
done
p99() { jq .latency_us.p99 "$TMP/shoot-$1.json"; }
echo "p99 at 80% on mixed speeds: random $(p99 random) round_robin $(p99 round_robin) power_of_d $(p99 power_of_d) pull $(p99 pull)"
# A timing result (a p99 is the host's as much as the policy's), with a
# hard bound: pull, which never sends the slow node more than it takes,
# beats the two that overload it, on any host.
timed "$TMP/shoot-pull.json $TMP/shoot-power_of_d.json $TMP/shoot-random.json $TMP/shoot-round_robin.json" \
    "$(p99 power_of_d) < $(p99 random) && $(p99 power_of_d) < $(p99 round_robin) && $(p99 pull) < $(p99 power_of_d)" \
    "$(p99 pull) < $(p99 random) && $(p99 pull) < $(p99 round_robin)" \
    "p99: pull < power_of_d < random and round_robin" "p99 order on mixed speeds"
finish
