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
    if (k < 1 || !(lambda > 0) || !(mu > lambda))
        return NAN;
    double kl = k * lambda, sigma = 0.5;
    /* The fixed-point map is a contraction on (0, 1) when lambda < mu. */
    for (int it = 0; it < 10000; it++) {
        double next = pow(kl / (kl + mu * (1.0 - sigma)), k);
        if (fabs(next - sigma) < 1e-15) {
            sigma = next;
            break;
        }
        sigma = next;
    }
    return 1.0 / (mu * (1.0 - sigma));
}

double cs_md1_sojourn(double lambda, double mu)
{
    if (!(lambda >= 0) || !(mu > lambda))
        return NAN;
    double rho = lambda / mu;
    return 1.0 / mu + rho / (2.0 * mu * (1.0 - rho));
}

double cs_mva_random(int n, double z, int k, double s, double *x)
{
    if (n < 1 || k < 1 || !(s > 0) || !(z >= 0))
        return NAN;
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
