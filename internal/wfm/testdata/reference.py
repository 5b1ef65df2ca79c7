#!/usr/bin/env python3
"""Independent reference values for Plateau's internal/wfm Erlang code.

Run from this directory:  python3 reference.py   (writes reference.json)

Standard library only. Nothing here shares code or method with the Go
implementation:

* Erlang B and C use the textbook definitions with exact rationals
  (fractions.Fraction): B = (A^N/N!) / sum_{k<=N} A^k/k!,
  C = (A^N/N! * N/(N-A)) / (sum_{k<N} A^k/k! + A^N/N! * N/(N-A)).
  Service level 1 - C exp(-(N-A)T/AHT) and ASA = C AHT/(N-A) are then
  evaluated with decimal at 60 digits.

* Erlang A (M/M/N+M) solves the birth-death chain exactly with Fractions,
  truncated where the remaining mass is below 1e-40 of the total. Then, by
  routes different from the Go code:
    - P(abandon) from the abandonment *rate* balance:
      theta * E[number waiting] / lambda;
    - occupancy from the carried load E[busy agents] / N;
    - SL(T) = P(no wait) + sum_j pi_{N+j} * integral_0^T e^{-theta v} f_j(v) dv,
      where f_j is the hypoexponential density of the time a contact that
      finds j waiting needs to reach an agent (rates N mu + i theta,
      i = 0..j), expanded in partial fractions and integrated in closed
      form with decimal at 220 digits;
    - ASA over answered contacts from the same partial fractions:
      E[V e^{-theta V}] = sum_i A_i r_i / (r_i + theta)^2, divided by
      P(answered).
"""

import json
from decimal import Decimal, getcontext
from fractions import Fraction
import math

getcontext().prec = 220


def dec(fr):
    return Decimal(fr.numerator) / Decimal(fr.denominator)


def erlang_b_c(a, n):
    terms = [Fraction(1)]
    for k in range(1, n + 1):
        terms.append(terms[-1] * a / k)
    b = terms[n] / sum(terms)
    if n <= a:
        return b, Fraction(1)
    top = terms[n] * Fraction(n) / (n - a)
    c = top / (sum(terms[:n]) + top)
    return b, c


def erlang_c_interval(calls, length, aht, n, t):
    a = Fraction(calls) * Fraction(aht) / Fraction(length)
    b, c = erlang_b_c(a, n)
    sl = Decimal(1) - dec(c) * (-(dec(Fraction(n) - a)) * Decimal(t) / Decimal(aht)).exp()
    asa = c * aht / (n - a)
    return {
        "calls": calls, "length_s": length, "aht_s": aht, "agents": n, "sl_t_s": t,
        "offered_load": float(a), "erlang_b": float(b), "p_wait": float(c),
        "service_level": float(sl), "asa_s": float(asa), "occupancy": float(a / n),
    }


def erlang_a_interval(calls, length, aht, patience, n, t):
    lam = Fraction(calls, length)
    mu = Fraction(1, aht)
    theta = Fraction(1, patience)
    a = lam / mu
    # Unnormalised stationary distribution.
    pi = [Fraction(1)]
    for k in range(1, n + 1):
        pi.append(pi[-1] * a / k)
    j = 0
    while True:
        j += 1
        rate_down = n * mu + j * theta
        ratio = lam / rate_down
        pi.append(pi[-1] * ratio)
        if ratio < 1 and pi[-1] * 10**40 < sum(pi[-50:]) and j > 5:
            total = sum(pi)
            if pi[-1] / (1 - ratio) * 10**40 < total:
                break
    total = sum(pi)
    p = [x / total for x in pi]
    p_wait = sum(p[n:])
    queue = sum((k - n) * p[k] for k in range(n, len(p)))
    busy = sum(min(k, n) * p[k] for k in range(len(p)))
    p_ab = theta * queue / lam
    answered = 1 - p_ab

    # Service level and ASA by partial fractions of the hypoexponential wait.
    c = dec(n * mu)
    th = dec(theta)
    T = Decimal(t)
    sl = dec(sum(p[:n]))
    asa_num = Decimal(0)
    for jj in range(0, len(p) - n):
        w = p[n + jj]
        if jj > 0 and float(w) < 1e-30:
            break
        wd = dec(w)
        rates = [c + i * th for i in range(jj + 1)]
        integral = Decimal(0)
        moment = Decimal(0)
        for i, ri in enumerate(rates):
            coef = Decimal(1)
            for k, rk in enumerate(rates):
                if k != i:
                    coef *= rk / (rk - ri)
            integral += coef * ri * (Decimal(1) - (-(ri + th) * T).exp()) / (ri + th)
            moment += coef * ri / ((ri + th) ** 2)
        sl += wd * integral
        asa_num += wd * moment
    asa = asa_num / dec(answered)
    return {
        "calls": calls, "length_s": length, "aht_s": aht, "patience_s": patience,
        "agents": n, "sl_t_s": t, "offered_load": float(a),
        "p_wait": float(p_wait), "abandon_rate": float(p_ab),
        "service_level": float(sl), "asa_s": float(asa),
        "occupancy": float(busy / n), "states": len(p),
    }


def main():
    erlang = []
    for a, n in [(Fraction(10), 10), (Fraction(10), 11), (Fraction(10), 12),
                 (Fraction(10), 15), (Fraction(5, 2), 3), (Fraction(5, 2), 6),
                 (Fraction(1, 2), 1), (Fraction(50), 55), (Fraction(100), 105),
                 (Fraction(100), 112), (Fraction(200), 230), (Fraction(3), 1)]:
        b, c = erlang_b_c(a, n)
        erlang.append({"a": float(a), "n": n, "b": float(b), "c": float(c)})
    ec = [
        erlang_c_interval(100, 1800, 180, 11, 20),
        erlang_c_interval(100, 1800, 180, 13, 20),
        erlang_c_interval(360, 3600, 240, 28, 30),
        erlang_c_interval(1000, 1800, 200, 120, 20),
        erlang_c_interval(7, 1800, 300, 3, 60),
    ]
    ea = [
        erlang_a_interval(100, 1800, 180, 300, 10, 20),
        erlang_a_interval(100, 1800, 180, 300, 12, 20),
        erlang_a_interval(100, 1800, 180, 300, 8, 20),
        erlang_a_interval(300, 1800, 240, 120, 35, 30),
        erlang_a_interval(20, 1800, 300, 60, 2, 30),
        erlang_a_interval(60, 1800, 300, 900, 11, 20),
        erlang_a_interval(150, 1800, 120, 180, 1, 10),
    ]
    out = {
        "comment": "Generated by reference.py (exact rationals and 220-digit decimals); do not edit by hand.",
        "erlang": erlang, "erlang_c": ec, "erlang_a": ea,
    }
    with open("reference.json", "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
