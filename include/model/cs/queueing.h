/*
 * Queueing theory the tests and the README compare measurements with.
 * Rates are per second, times in seconds. Each returns NAN where the
 * queue is unstable (utilization >= 1) or the inputs make no sense.
 */
#ifndef CS_QUEUEING_H
#define CS_QUEUEING_H

/* M/M/1: Poisson arrivals at lambda, exponential service at rate mu:
 * mean time in system 1 / (mu - lambda). */
double cs_mm1_sojourn(double lambda, double mu);

/* Erlang C: the probability that an arrival waits in an M/M/c queue with
 * offered load a = lambda / mu (in Erlangs). */
double cs_erlang_c(int c, double a);

/* M/M/c: one queue, c servers: mean time in system
 * C(c, a) / (c mu - lambda) + 1 / mu. */
double cs_mmc_sojourn(double lambda, double mu, int c);

/* G/M/1 with Erlang-k interarrival times of total rate lambda (each node
 * of k fed round robin from a Poisson stream of rate k lambda): sigma is
 * the root in (0, 1) of sigma = (k lambda / (k lambda + mu (1 - sigma)))^k
 * and the mean time in system is 1 / (mu (1 - sigma)). */
double cs_ekm1_sojourn(double lambda, double mu, int k);

/* M/D/1: Poisson arrivals at lambda, constant service 1 / mu: mean time
 * in system 1 / mu + rho / (2 mu (1 - rho)) (Pollaczek-Khinchine). */
double cs_md1_sojourn(double lambda, double mu);

/* M/G/1: Poisson arrivals at lambda, service of mean 1 / mu and
 * coefficient of variation cv: mean time in system 1 / mu + rho (1 +
 * cv^2) / (2 mu (1 - rho)) (Pollaczek-Khinchine); NAN at rho >= 1. */
double cs_mg1_sojourn(double lambda, double mu, double cv);

/* Exact mean value analysis of a closed loop: n clients, each thinking for
 * z on average, then visiting one of k identical single-server stations
 * chosen at random (service s, exponential). Returns the mean response
 * time (sum over stations of the residence times); *x (when not NULL)
 * gets the throughput. */
double cs_mva_random(int n, double z, int k, double s, double *x);

/* The interactive response time law for a closed loop of n clients with
 * mean think time z and throughput x: R = n / x - z. */
double cs_response_time_law(int n, double x, double z);

#endif
