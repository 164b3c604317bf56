/*
 * Closed-form and numeric queueing results (see queueing.h). Pure
 * arithmetic; nothing here knows about runs or results.
 */
#include "cs/queueing.h"

#include <math.h>

double cs_mm1_sojourn(double lambda, double mu)
{
    if (!(lambda >= 0) || !(mu > lambda))
        return NAN;
    return 1.0 / (mu - lambda);
}

double cs_erlang_c(int c, double a)
{
    if (c < 1 || !(a >= 0) || a >= c)
        return NAN;
    /* Erlang B by its stable recurrence, then C from B. */
    double b = 1.0;
    for (int k = 1; k <= c; k++)
        b = a * b / (k + a * b);
    double rho = a / c;
    return b / (1.0 - rho + rho * b);
}

double cs_mmc_sojourn(double lambda, double mu, int c)
{
    if (!(mu > 0) || !(lambda >= 0) || lambda >= c * mu)
        return NAN;
    return cs_erlang_c(c, lambda / mu) / (c * mu - lambda) + 1.0 / mu;
}

double cs_ekm1_sojourn(double lambda, double mu, int k)
{
    if (k < 1 || !(lambda >= 0) || !(mu > lambda))
        return NAN;
    if (lambda == 0)
        return 1.0 / mu; /* no one ever waits */
    /* sigma is the root in (0, 1) of f(sigma) = A*(mu (1 - sigma)) - sigma,
     * A* the Erlang-k gaps' transform: f > 0 below it, < 0 above (f(0) >
     * 0 and f(1^-) < 0 when lambda < mu). Bisection to the last bit: a
     * fixed-point iteration crawls near rho = 1 (10,000 steps gave 6.3 s
     * for 10 s at rho 0.9999). */
    double kl = k * lambda, lo = 0, hi = 1;
    for (int it = 0; it < 200 && hi - lo > 1e-16; it++) {
        double mid = 0.5 * (lo + hi);
        if (pow(kl / (kl + mu * (1.0 - mid)), k) > mid)
            lo = mid;
        else
            hi = mid;
    }
    return 1.0 / (mu * (1.0 - 0.5 * (lo + hi)));
}

double cs_md1_sojourn(double lambda, double mu)
{
    if (!(lambda >= 0) || !(mu > lambda))
        return NAN;
    double rho = lambda / mu;
    return 1.0 / mu + rho / (2.0 * mu * (1.0 - rho));
}

double cs_mg1_sojourn(double lambda, double mu, double cv)
{
    if (!(lambda >= 0) || !(mu > lambda) || !(cv >= 0))
        return NAN;
    double rho = lambda / mu;
    return 1.0 / mu + rho * (1.0 + cv * cv) / (2.0 * mu * (1.0 - rho));
}

double cs_mva_random(int n, double z, int k, double s, double *x)
{
    if (n < 1 || k < 1 || !(s >= 0) || !(z >= 0))
        return NAN;
    if (s == 0) { /* no service: no time at the stations; the clients only think */
        if (x)
            *x = z > 0 ? n / z : INFINITY;
        return 0;
    }
    /* Each station is visited with probability 1 / k: demand s / k. By
     * symmetry every station has the same queue q. */
    double d = s / k, q = 0, r = 0, tput = 0;
    for (int m = 1; m <= n; m++) {
        r = k * d * (1.0 + q); /* the k stations' residence times */
        tput = m / (z + r);
        q = tput * r / k;
    }
    if (x)
        *x = tput;
    return r;
}

double cs_response_time_law(int n, double x, double z)
{
    if (n < 1 || !(x > 0))
        return NAN;
    return n / x - z;
}
