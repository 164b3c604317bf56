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

double cs_response_time_law(int n, double x, double z)
{
    if (n < 1 || !(x > 0))
        return NAN;
    return n / x - z;
}
