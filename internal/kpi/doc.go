// Package kpi defines, once, every figure Plateau reports about contacts
// and agents. The wallboard, the reports, the simulator and the planning
// (internal/wfm) all count with these definitions; a figure shown anywhere
// in Plateau means what this page says.
//
// # Which contacts, and when they count
//
// A contact counts in the 15-minute interval in which it arrived (its first
// arrival: a contact moved to another queue keeps its arrival time), in the
// time zone of its queue (its schedule's; UTC for a queue without one).
// Every time zone's offset is a multiple of 15 minutes, so a UTC
// 15-minute interval is also a local one, and hours, days, weeks (from
// Monday) and months are unions of them, also across daylight-saving
// changes (a local day then has 92 or 100 intervals). A contact counts
// once it is over (ended); until then it is on the wallboard's live
// figures, not in the rollups. A contact counts in the queue that had it
// last: one moved from queue A to queue B counts as offered, answered or
// abandoned in B, and as flowed out of A; so the tenant's totals are the
// sums over its queues, each contact once. (Genesys counts a contact in
// every queue it entered; Plateau counts the move apart, as flowed_out.)
//
// # Contacts
//
//   - Received: every contact stored.
//   - Closed: arrived while its queue was closed (outside opening hours or
//     on a holiday). Not offered: nobody could answer.
//   - Offered = received − closed.
//   - Answered: an agent took it (the first connection). Its wait runs from
//     the arrival to that moment, menu and virtual hold included: a
//     callback counts as answered when the agent reaches the customer, and
//     its wait is all the time until then (Plateau never shortens a wait
//     by counting the callback request as an answer). Answered within Y:
//     the answered contacts whose wait was at most Y; kept for Y of 10,
//     15, 20, 30, 45, 60, 90, 120, 180 and 300 s (SLThresholds) besides
//     each queue's own threshold.
//   - Abandoned: the customer left before being answered (hung up, closed
//     the chat, did not come back within the grace period). Its wait runs
//     from the arrival to the departure.
//   - Short abandoned: abandoned less than the queue's short-abandon
//     threshold (short_abandon_seconds, default 5 s) after arriving; a
//     subset of abandoned, counted apart and left out of the service
//     level, the answer rate and the abandon rate (a misdial or a
//     changed mind, not a failure of the service).
//   - Refused: offered but neither answered nor abandoned: the queue was
//     full, its overflow rule closed the contact after its maximum wait,
//     or a technical failure. A failure in every ratio below.
//   - Flowed out: left the queue for another (a supervisor's move, an
//     overflow to a queue, a transfer); counted in the queue it left.
//   - Callbacks: requested (the customer asked to be called or written
//     back, keeping their place), completed (then answered), failed
//     (requested, never answered).
//   - Callbacks made within a delay: completed callbacks answered within
//     the delay of the request (the start of the contact's first callback
//     wait; its arrival when it asked at once). Kept for 15 min, 30 min,
//     1 h, 2 h, 4 h and 24 h (CallbackDelays).
//   - RONA: offers an agent did not take (no answer within the offer
//     timeout, or declined): the contact went back to its place.
//
// # Ratios (fractions 0-1; none when the denominator is 0)
//
//   - Service level SL(Y) = answered within Y seconds / (offered − short
//     abandoned). Y is the queue's own threshold (sl_threshold_seconds).
//     An abandon (after the short threshold) and a refused contact are
//     failures whenever they happen, like an answer after Y. On the live
//     wallboard, contacts still waiting that have not yet waited Y are left
//     out of the denominator (they may still make it). This is the
//     definition of internal/wfm's models too: under Erlang C nobody
//     abandons, so SL(Y) = P(wait ≤ Y).
//   - Answer rate (taux de décroché) = answered / (offered − short abandoned).
//   - Abandon rate = (abandoned − short abandoned) / (offered − short abandoned).
//   - ASA (average speed of answer) = total wait of the answered contacts /
//     answered. Abandoned contacts are not in it (their mean is the mean
//     abandon time).
//   - Longest wait: the longest wait of any contact, answered or not.
//   - Mean abandon time = total wait of the abandoned contacts (short ones
//     excluded) / (abandoned − short abandoned).
//   - AHT (average handle time, DMC) = (talk + hold + wrap-up) / answered,
//     with its three parts given apart. Talk is the time connected (with
//     an outbound segment: a call the agent placed from the contact to its
//     callback number, once answered), hold the time on hold, wrap-up the
//     after-contact work.
//   - Billable time: the handled segments (talk, hold, wrap-up) flagged
//     billable. Waiting, menus, ringing and callbacks' virtual hold are
//     never billable.
//
// # Announced waits (EWT accuracy)
//
// For an answered contact that was told an expected wait on arrival, the
// error is actual wait − announced wait (positive: it waited longer than
// told). Reported: mean absolute error, bias (mean error), the share
// within ±30 s and the share within ±25 % of the announced wait, by queue
// and by the position announced (1 to 10, then 11 and more). Abandoned
// contacts are not in it (their full wait is unknown), nor are those that
// arrived while no agent who could take them was signed in: they are told
// that no advisor is available (and offered a callback), not a wait.
// Told with no agent counts them.
//
// Announced waits kept: of the same contacts (EWTTold), those whose actual
// wait was at most the announced wait + a margin (one-sided: answered
// sooner than told is kept). Kept for margins of 0, 30 s, 1 min and 2 min
// (EWTMargins): what a commitment "announced wait respected" reads.
//
// # Agents (from the stored state history, split at interval boundaries)
//
//   - Login time: every state but logged out.
//   - Ready (idle), offered (ringing), busy (on at least one contact),
//     wrap-up, not ready by reason: time in each.
//   - Occupancy = (busy + wrap-up) / (ready + offered + busy + wrap-up):
//     the share of the time available for contacts spent on them
//     (Amazon Connect's definition; not-ready time is not available time).
//     internal/wfm's planning models give the same ratio as carried load /
//     agents.
//   - Handled, AHT: the contacts the agent answered (counted where they
//     arrived, as above).
//
// # Satisfaction and resolution
//
//   - CSAT: responses, mean score (1-5), distribution; response rate =
//     responses / answered.
//   - First-contact resolution (FCR) = share of customers (same phone
//     number or e-mail) answered in the period who did not contact the same
//     tenant again within N days (default 7) after that contact.
package kpi
