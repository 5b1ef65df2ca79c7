// Package acd is Plateau's routing core: automatic contact distribution.
//
// The Engine is a deterministic state machine. It is driven only by calls
// that carry the current time (contact arrived, agent changed state, offer
// accepted or declined, conversation ended, timers due, ...) and it reports
// every decision as an Event. It does no I/O, starts no goroutine, never
// reads the wall clock and keeps no global state, so the live server and the
// simulator run the very same code, and a test can replay any history.
// An Engine is not safe for concurrent use: its owner serialises calls.
//
// # Model
//
// Queues have a channel (voice or chat), a priority, a service-level target,
// the skills they require with minimum proficiency levels (1-10), optional
// relaxation steps, a maximum wait and a maximum number of waiting contacts
// with an overflow action (to another queue, to a callback, or a closing
// message), open hours in their own time zone (nil Hours means 24/7), and
// service tiers (for instance a paid tier beside a free one).
//
// Effective priority of a waiting contact is
//
//	queue priority + tier priority + AgingPerMinute × minutes waited
//
// so that a free tier, which ages, is never starved by a paid one.
//
// Skill relaxation: a contact that has waited RelaxStep.After since its
// arrival may also go to agents meeting that step's requirements. Steps only
// widen the set of eligible agents: an agent eligible at step s is eligible at
// every later step. Relaxation counts the whole wait since the original
// arrival (a transferred contact keeps it); the maximum wait counts from the
// entry into the current queue.
//
// Agents have skills with levels, a capacity per channel (one voice call, or
// up to N chats; both at once only when Blend is set), and a presence chosen
// by the agent (logged out, ready, not ready with a reason). Their routing
// state (offered, busy, wrap-up) follows from the work they hold.
//
// # Decisions
//
// The engine keeps one invariant after every call: no waiting contact could
// be offered to an available agent eligible for it. So:
//
//   - when a contact arrives (or is requeued, transferred, or relaxes to a new
//     step) it is offered at once to the best available eligible agent, chosen
//     by its queue's Strategy: longest idle, most skilled (sum of levels on the
//     queue's skills), least handled today, or round robin (least recently
//     offered a contact of this queue); an agent with chats in progress comes
//     after agents with fewer;
//   - when an agent becomes available it is offered, across all the queues it
//     serves, the contact with the highest effective priority, then the longest
//     waiting (earliest arrival), then the first to arrive in the engine.
//
// An offer that is declined or not accepted within the queue's OfferTimeout
// (RONA) puts the contact back at its original place in line and the agent in
// not-ready (reason "rona" or "declined").
//
// A contact may also be transferred by name (TransferToAgent): offered at
// once to an agent who serves its queue and is available, whatever the
// strategy; declined or not taken, it waits at its place as after a RONA.
//
// A waiting contact can become a callback: it keeps its place, and when an
// agent takes it the offer says so, and the server calls the customer.
//
// # Position and expected wait
//
// A waiting contact's position is 1 + the number of contacts of its queue
// ahead of it by effective priority. Its expected wait (EWT) comes from two
// predictors calibrated online on the queue's recent answered contacts: a
// queue-length predictor (position × the smoothed time between answers) and a
// head-of-line predictor (the smoothed actual wait of recent contacts that
// arrived at the same position). Each announcement records both predictions;
// when the contact is answered their errors are measured and the predictor
// with the lower smoothed absolute error is used for the next announcements.
// The EWT announced at arrival travels with the Connected and Abandoned events
// so that its accuracy can be reported.
//
// # Cost
//
// Waiting contacts are kept per queue and tier in arrival order (appends are
// O(1), removals O(log n) through a Fenwick tree that also answers positions);
// available agents are kept in one heap per queue and relaxation step. A
// routing decision costs O(queues served × tiers) for an agent, and
// O(relaxation steps) heap heads for a contact, whatever the number waiting.
package acd
