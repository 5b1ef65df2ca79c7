// Package wfm is Plateau's workforce planning: queueing models that turn a
// forecast into a staffing requirement, a forecaster for contact volumes and
// a shift scheduler that covers the requirement across sites.
//
// # Definitions
//
// Every figure is defined once, in internal/kpi, for the wallboard, the
// reports, the simulator and this package alike. The models know no
// short abandons (a queue's short-abandon threshold is 0 here), so the
// kpi definitions read as follows:
//
//   - Offered load A = arrival rate x AHT, in Erlangs. For an interval of
//     length L with V contacts offered, A = V x AHT / L.
//   - Service level SL(Y) = contacts answered within Y seconds / all contacts
//     offered. The denominator is every offered contact: an abandoned contact
//     (whenever it abandons) and a contact answered after Y are both failures.
//     Under Erlang C nobody abandons, so SL(Y) = P(wait <= Y). Under Erlang A
//     SL(Y) = P(answered and wait <= Y), over all offered contacts.
//   - P(wait) = probability that an arriving contact finds every agent busy
//     and has to queue (PASTA: the share of arrivals that wait).
//   - ASA (average speed of answer) = mean wait of the answered contacts
//     only; abandoned contacts are excluded from numerator and denominator.
//   - Abandonment rate = abandoned contacts / offered contacts (Erlang A).
//   - Occupancy = carried load / agents: A/N under Erlang C (nothing is
//     lost), A(1 - P(abandon))/N under Erlang A.
//   - Shrinkage s = share of paid time not available for contacts;
//     scheduled agents = ceil(required / (1 - s)).
//
// # Erlang B and C
//
// Erlang B uses the recursion B(0) = 1, B(n) = A B(n-1) / (n + A B(n-1)),
// which stays in [0, 1] and never forms A^N or N!, so it is exact to float64
// rounding for tens of thousands of agents. Erlang C is derived from it:
// C = N B / (N - A (1 - B)) for N > A and C = 1 for N <= A (the queue is
// unstable). Then SL(T) = 1 - C exp(-(N-A) T / AHT) and ASA = C AHT / (N - A).
//
// # Erlang A
//
// Erlang A (Palm's M/M/N+M) adds exponential patience with mean 1/theta. The
// package sums the stationary distribution of the birth-death chain directly:
// states below N carry a total mass of pi_N (1/B(N,A) - 1) (the Erlang loss
// system shares the same shape there), and states N+j above follow
// pi_{N+j} = pi_{N+j-1} lambda / (N mu + j theta). Terms are kept as
// logarithms and normalised with an online log-sum-exp, and the sum is cut
// when the (geometric, decreasing) tail bound drops below 1e-15 of the total,
// so it is defined and stable for N <= A and for thousands of agents.
//
// A contact arriving with j contacts already waiting (FCFS) waits
// V_j = sum over i=0..j of Exp(N mu + i theta) before reaching an agent and
// abandons if its own patience runs out first. Hence:
//
//   - P(answered | j) = N mu / (N mu + (j+1) theta) (the product telescopes);
//   - E[wait; answered | j] = P(answered | j) x sum_{i=1..j+1} 1/(N mu + i theta);
//   - P(answered within T | j) = P(answered | j) x P(V'_j <= T), where V'_j
//     is V_j tilted by the patience, a sum of Exp(N mu + i theta), i=1..j+1.
//     exp(-theta V'_j) follows a Beta(N mu/theta + 1, j + 1) law, so
//     P(V'_j <= T) = 1 - sum_{k<j+1} NB(k), a negative-binomial sum with
//     b = N mu/theta + 1 and x = 1 - exp(-theta T) that is accumulated
//     incrementally over j (positive terms only, log space).
//
// Averaging over the arrival-seen state (PASTA) gives P(wait), P(abandon),
// SL and ASA. The test suite checks these against an exact rational solution
// of the truncated chain computed independently (testdata/reference.py).
//
// # Staffing
//
// RequiredAgents returns the smallest N that meets every target given (any
// combination of service level, maximum ASA, maximum abandonment and maximum
// occupancy). Every measure is monotone in N, so under Erlang C the search
// starts just above A (or at A / max occupancy) and walks up one agent at a
// time, updating the Erlang B recursion in O(1) per step; under Erlang A it
// uses an exponential then binary search.
//
// # Forecasting
//
// See forecast.go: seasonal-naive and additive double-seasonal Holt-Winters
// (Taylor 2003, without trend) with a grid search, and a WAPE backtest.
//
// # Scheduling
//
// See schedule.go: a weighted set-multicover of the per-interval requirement
// by shifts at sites, with the French localisation share as a side
// constraint, solved by a Lagrangian-priced greedy followed by local
// improvement.
package wfm
