// Package workforce is the workforce register (employees: the HR side of
// agents, supervisors and trainers) and the figures built on it: the
// indicators of the Label de Responsabilité Sociale, the profession's
// employment barometer with its anonymised open-data export, and the
// palmarès of sites and programmes. Contact and agent figures are
// internal/kpi's; this page defines, once, the figures about jobs.
//
// # Dates and headcounts
//
// An employee's hire date is their first day under contract, the exit
// date their last (none: still employed). Every date is a civil date; a
// period is [from, to], both days included.
//
//   - Headcount on day d: employees under contract at the end of day d,
//     that is hired on or before d and not left on or before d (hire ≤ d <
//     exit). Someone hired and gone the same day is a hire and an exit but
//     never in a headcount. Jobs of a period = headcount on its last day.
//   - FTE on day d: the sum of those employees' full-time equivalents
//     (exact thousandths: 0.800 is four days in five).
//   - Average headcount of a period = the mean of its daily headcounts =
//     (sum over employees of the days of the period they are counted) /
//     days of the period. Average FTE likewise, each day weighted by FTE.
//   - Hires: hire date in the period. Exits: exit date in the period. So
//     for any month, jobs(end) = jobs(start − 1 day) + hires − exits,
//     exactly, in every cell of the barometer.
//   - An employee's country is their site's (sites.country, ISO code);
//     "FR" is France. Homeshoring is the employee's own flag.
//
// # The label's indicators (any period, per tenant or the whole provider)
//
//   - Jobs by country and site: headcount and FTE on the last day.
//   - Share of jobs created in France = hires at French sites / all
//     hires, against the label's 60 % (DefaultFranceTarget; the 2010
//     charter's six jobs in ten). None without hires.
//   - Share of paid hours worked from France (actual) = logged-in time of
//     agents whose site is in France / logged-in time of all agents, from
//     the stored agent state history (internal/kpi's login time: ready,
//     offered, busy, wrap-up and not ready, breaks included, which is
//     what a plan's paid hours are), the agents' current site. Planned
//     beside it: the France share of the plans published for the same
//     months (the latest plan of each month: the planning API's
//     ?publish=YYYY-MM records internal/wfm's total_hours and france_hours
//     of the plan it computes), with the months that have no plan listed.
//   - Homeshoring share, permanent-contract (CDI) share, share with a
//     disability recognition (RQTH): employees so flagged / headcount, on
//     the last day.
//   - Turnover = exits / average headcount, over the period (not
//     annualised; the palmarès annualises it).
//   - Training hours per FTE = hours of training dated in the period /
//     average FTE.
//
// Every ratio is none (null) when its denominator is 0.
//
// # Barometer and open data
//
// The barometer is, for each month, jobs, FTE, hires and exits by cell
// (country × contract × homeshoring), over every tenant and site. The
// open-data export publishes, per month, jobs, hires and exits broken
// down by one dimension at a time (total, country, contract,
// homeshoring), with no names and no ids; a count under 5 (0 included) is
// shown "<5". Because each breakdown adds up to the total and each cell's
// jobs follow jobs(m) = jobs(m−1) + hires(m) − exits(m), a suppressed count
// could be recovered from the others; so cells are also withheld, shown
// "x" (secondary suppression, see Suppress), until no suppressed count
// under 5 is pinned to one value by reasoning on the equations.
//
// # Palmarès
//
// Sites (of every tenant) and programmes (tenants) are ranked by a score
// from 0 to 100: the weighted mean of the criteria below that are
// available for the entity, each from 0 to 1, over the period:
//
//   - localisation: share of FTE in France on the last day;
//   - permanent: share of the headcount on a permanent contract;
//   - training: training hours per FTE, annualised (× 365 / days), over
//     the target (default 35 h a year), capped at 1;
//   - turnover: 1 − annualised turnover / cap (default 0.5), at least 0;
//   - commitments: service commitments met / measured, from
//     internal/commitment (a site gets its tenant's);
//   - fair_contracts: share of the client's contracts under fair terms
//     (minimum billing, indexed prices, no retroactive discounts), from
//     internal/billing.
//
// plateau serve wires both; a caller that gives neither source (nil) gets
// them shown "not available".
//
// A criterion without data (no employees, no FTE, no source) is shown "not
// available" and left out: the weights of the others are scaled up. An
// entity with no criterion is not ranked. Equal scores (to 0.1) share a
// rank (1, 2, 2, 4), shown with "=". Weights are configuration
// (DefaultWeights).
package workforce
