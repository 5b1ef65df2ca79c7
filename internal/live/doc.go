// Package live is the live contact center inside `plateau serve`: the
// routing engine (internal/acd) fed by customers' web chats and agents'
// desktops over WebSockets, with every decision persisted (internal/store).
//
// # Ownership
//
// One acd.Engine serves every tenant (queue, agent and contact ids are the
// database's keys, unique across tenants; an agent only ever serves queues
// of its own tenant). The engine is not safe for concurrent use, so it is
// owned by the goroutine running Center.Run: sessions and Reload send it
// commands over a channel, and it also wakes for the engine's next deadline
// (offer timeouts, wrap-up, relaxation, maximum wait), for customers' grace
// periods and for position updates. Each engine event is persisted (state
// and segments of the interaction) and fanned out to the sessions
// concerned. Segments: queued, offered, connected (billable), wrap_up
// (billable), callback; abandoned and transferred are zero-length markers.
// Waiting is never billable.
//
// # Durability
//
// A new chat is stored (committed) before the customer is told anything; a
// chat message is stored before it is acknowledged or delivered, and a
// retry with the same client_msg_id is acknowledged with the stored seq
// without being stored twice. At start, New restores every open
// interaction in arrival order with its original arrival time, so positions
// come back as they were (exactly: a chat's arrival stamp is strictly
// increasing to the microsecond, stored with its row, and chats reach the
// engine in stamp order even when their rows commit in another; see
// order.go):
//
//   - waiting contacts wait again; callbacks stay callbacks;
//   - offered contacts are restored as waiting (their stored state goes
//     back to queued);
//   - a connected chat goes back to the agent that had it (reconnect.go):
//     it stays connected, and the agent gets it with its messages
//     ("connected") when it signs in again within the grace period; past
//     it the chat waits in its queue (as a transfer) for anybody. A
//     connected call, or a chat whose agent is gone, is restored as
//     waiting, first in line since it arrived early;
//   - contacts in wrap-up are ended (answered): the conversation was over.
//   - calls (voice, not callbacks) are ended failed: their signalling
//     died with the process (see the voice section).
//
// Restored customers have the grace period to resume with their token;
// callbacks need nobody online.
//
// # Customer protocol: GET /chat/{entry}/ws
//
// JSON text frames. Client to server:
//
//	{"type":"start","name":"..","email":"..","phone":".."}  every field optional
//	{"type":"resume","token":"..","last_seq":12}            last_seq optional
//	{"type":"message","body":"..","client_msg_id":".."}
//	{"type":"callback","phone":"+33123456789"} or {"type":"callback","write_back":true}
//	    a national number ("06 12 34 56 78") is read in the tenant's country:
//	    its first phone entry point's, else most of its sites' (stored E.164)
//	{"type":"leave"}
//	{"type":"typing"}                                       the customer is typing (at most every 2 s)
//
// Server to client:
//
//	{"type":"queued","contact_id":1,"resume_token":"..","position":3,"ewt_seconds":120}
//	{"type":"position","position":2,"ewt_seconds":80}   on change, at most every 500 ms per queue
//	    both with "no_agent":true and ewt_seconds 0 while nobody serving the
//	    queue is signed in: no wait is announced (offer a callback instead)
//	{"type":"connected","agent":"Amina"}               the agent's first name only (its privacy)
//	{"type":"message","seq":4,"from":"agent","body":"..","client_msg_id":"..","sent_at":".."}
//	{"type":"ack","client_msg_id":"..","seq":5}         after the message is stored
//	{"type":"callback","message":".."}                  the callback is registered (the place is kept)
//	{"type":"typing"}                                   the agent is typing (show it for a few seconds)
//	{"type":"ended","reason":"abandoned"|"closed"|"full"|"","message":"..","survey":true}  then the server closes
//	    "closed" comes with "opens_at" (RFC 3339), the next opening within a week
//	{"type":"error","code":"..","message":"..","field":".."}  field: code invalid (customer.name, callback.number, ..)
//
// On resume the server sends "queued" (same token) or "connected", then
// the messages after last_seq; a message may then arrive twice: clients
// keep one message per seq. A customer whose socket drops keeps their
// place (or their conversation) for the grace period (Options.Grace,
// default 2 minutes), then the contact is abandoned; after "callback" the
// customer may leave. "leave" abandons a waiting contact, or ends a
// conversation (the agent then wraps up). "survey" is true (otherwise
// absent) when the contact was answered: the customer may rate it (a
// rating already sent during the conversation is answered 409
// already_rated). A customer resuming a contact that is over gets "ended",
// with "survey" when it was answered and is not yet rated.
//
// # Satisfaction survey: POST /chat/{entry}/survey
//
// After an answered conversation, the customer rates it once:
// {"token":"<resume token>","score":1..5,"comment":".."} (comment optional,
// at most 1000 characters) as application/json. 204 when stored in the
// interaction's csat_score and csat_comment; otherwise
// {"error":{"code","message","field"}}: 400 bad_request (not a JSON
// object), 404 not_found (no such chat) or unknown_token (no conversation
// of this entry point's tenant with this token), 409 not_answered or
// already_rated, 422 invalid (field token, score or comment). A widget
// embedded in another site may post it (CORS, on the WebSocket's origin
// rule: any origin without Options.OriginPatterns, else matching ones; 403
// forbidden otherwise).
//
// # Agent protocol: GET /agent/ws
//
// The first frame signs in: {"type":"login","login":"..","password":".."}
// (a user of role agent linked to an agent), or {"type":"login"} alone
// on the browser session the handshake's cookie carries (Options.SessionUser:
// the API's session, from a page of the socket's own origin), so that a
// desktop reloaded within its session's lifetime needs no password. Signing
// in logs a logged-out agent in as not ready. Then, client to server:
//
//	{"type":"state","state":"ready"|"not_ready"|"logged_out","reason":".."}
//	{"type":"accept","contact_id":1} / {"type":"decline","contact_id":1}
//	{"type":"message","contact_id":1,"body":"..","client_msg_id":".."}
//	{"type":"end","contact_id":1}
//	{"type":"canned"}                                        the tenant's canned responses, please
//	{"type":"typing","contact_id":1}                         the agent is typing (at most every 2 s)
//	{"type":"wrap_up","contact_id":1,"disposition":"..","notes":".."}
//	{"type":"softphone","enabled":true}                      the browser softphone on (false: off)
//	{"type":"rtc_answer","contact_id":1,"sdp":".."}          SDP answer to an rtc_offer
//	{"type":"transfer_targets","contact_id":1}               where it may be transferred
//	{"type":"transfer","contact_id":1,"queue_id":3,"notes":".."} or "agent_id":7 instead of "queue_id"
//	{"type":"note","contact_id":1,"body":"..","consult":false} an internal note (consult: a question to the supervisors)
//	{"type":"hold","contact_id":1,"on":true}                 a call on hold (music to the caller) or back
//	{"type":"call_out","contact_id":1}                       call a chat's callback number (callout.go); "call_out_hangup" ends it
//	{"type":"mute","contact_id":1,"on":true}                 the agent's audio to the caller cut, or back
//	{"type":"search","query":".."}                           the customer's past contacts
//	{"type":"my_figures"}                                    the agent's figures of the day
//
// Server to agent:
//
//	{"type":"logged_in","agent_id":7,"name":".."}
//	{"type":"agent_state","state":"busy","presence":"not_ready","reason":"rona"}
//	{"type":"offer","contact_id":1,"queue":3,"queue_name":"..","channel":"chat","wait_seconds":12,
//	 "customer":{..},"callback":false,"callback_to":{..},"history":[{"contact_id":..,"disposition":..}, ..],
//	 "expires_in_seconds":20}                                time left before the offer goes back (RONA)
//	{"type":"offer_withdrawn","contact_id":1,"reason":"rona"|"declined"|"abandoned"|..}
//	{"type":"connected","contact_id":1,"channel":"chat"|"voice","customer":{..},"messages":[..]}
//	{"type":"message","contact_id":1,"seq":3,"from":"customer","body":"..","client_msg_id":".."}
//	{"type":"ack","contact_id":1,"client_msg_id":"..","seq":4}
//	{"type":"typing","contact_id":1}                         the customer is typing
//	{"type":"ended","contact_id":1,"wrap_up":true,"wrap_up_seconds":30}
//	{"type":"wrap_up_done","contact_id":1}
//	{"type":"canned","items":[{"code":"delivery","title":"..","body":"Bonjour {name}, .."}, ..]}  by code
//	{"type":"error","code":"..","message":"..","contact_id":1}
//	{"type":"softphone","enabled":true}                      the softphone's state, after the agent's frame
//	{"type":"rtc_offer","contact_id":1,"sdp":".."}           a call rings the softphone
//	{"type":"rtc_hangup","contact_id":1,"reason":".."}       the softphone call is over: close the connection
//	{"type":"transfer_targets","contact_id":1,"queues":[{"queue_id","name","waiting"}],"agents":[{"agent_id","name","state","available"}]}
//	{"type":"note","contact_id":1,"note":{"id","kind","author","body","created_at",..}}  stored (its own, or a supervisor's)
//	{"type":"hold","contact_id":1,"on":true}                 also "mute" (a hold ends a mute: mute false follows it)
//	{"type":"call_out","contact_id":1,"status":"dialing"|"ringing"|"connected"|"ended"|"failed","reason":"busy",..}
//	{"type":"search_results","query":"..","items":[{"contact_id","arrived_at","channel","state","ended_reason","customer","disposition","notes"}, ..]}
//	{"type":"my_figures","since":"..","handled":3,"aht_seconds":245.5,"occupancy":0.62}  ratios null without data
//
// # Transfers, notes, hold (transfer.go, notes.go, hold.go)
//
// An agent transfers a contact it holds (connected) through the engine:
// to another queue of its tenant serving the same channel (acd Transfer),
// or by name to an agent who serves the contact's queue and is available
// now (acd TransferToAgent; refused with bad_state and field agent_id
// otherwise). The contact keeps its arrival (its place in line, the
// reports' interval and answer time); the agent gets "ended" with
// "transferred":true and wraps up (its "wrap_up" frame then only ends
// the wrap-up: the disposition is the next agent's, its notes are kept as
// an internal note); the customer gets "queued" with "transferred":true
// and keeps its conversation. Stored: a transferred marker, the new queue
// in queue_path (the reports count the contact in the queue that had it
// last, flowed_out in the queue left). "notes" go with the transfer as a
// note of kind transfer. The next agent's "connected" carries "notes".
// Notes (store.AddNote, kinds note, consult, supervisor, transfer) are
// never sent to the customer; a supervisor watches a chat (WatchChat) and
// writes to its agent (WhisperToAgent: a "note" frame to the desk).
// A call is transferred or held only when its VoiceCall implements
// VoiceRequeuer, VoiceHolder or VoiceMuter (internal/sip does; callbacks
// are not);
// hold is a billable hold segment between connected ones. A voice queue
// with voice_survey asks the caller, once the agent hangs up, to rate the
// call 1-5 on the keypad (VoiceSurveyor, Center.VoiceSurvey), stored as a
// chat's survey.
//
// "state" is what the agent is doing (logged_out, ready, not_ready, offered,
// busy, wrap_up); "presence" is what it chose or was set to (logged_out,
// ready, not_ready) and returns to after its work: a busy agent that missed
// an offer (RONA, reason "rona") or declined one ("declined") is busy and
// not ready, and gets no more offers until it chooses ready. "reason" is
// the not-ready reason (the agent's, or rona, declined, disconnected, or
// the telephony side's phone_unreachable), set whenever presence is
// not_ready.
//
// After "ended", an agent with "wrap_up" true is in wrap-up for the
// queue's wrap-up time, "wrap_up_seconds" (always > 0 then), and ready
// again after it or at its "wrap_up" frame, whichever comes first; with
// "wrap_up" false (the queue has no wrap-up time, "wrap_up_seconds" 0) the
// agent is free at once and "wrap_up" only records the disposition.
//
// A supervisor may set an agent's state (Center.SetAgentState): the agent
// receives agent_state as if it had chosen it; and move a waiting contact
// to another queue (Center.MoveContact): an offer in progress is withdrawn
// (offer_withdrawn, reason "transferred") without penalty.
//
// An agent holds as many chats as its chat capacity. When its socket
// drops, an offer in progress is declined and the agent becomes not ready
// (reason "disconnected"); its conversations go on and are sent again when
// it signs back in. A second sign-in replaces the first session.
//
// # Voice
//
// Calls come from internal/sip through ArriveVoice: the call is stored as a
// voice interaction, then routed, before the caller is answered, exactly
// like a chat (waiting segments are never billable). Its telephony side is
// a VoiceCall, told of the engine's offer (ring the agent's phone),
// withdrawal (RONA, decline, abandon: stop ringing), connection (bridge)
// and end (hang up); the SIP side reports the phone's answer
// (VoiceAnswered), refusal (VoiceDeclined), the caller's hang-up
// (VoiceHangup: abandon while waiting, end of the conversation once
// connected, nothing once a callback was asked) and the confirmed callback
// number (VoiceCallback). A queue's overflow to callback uses the calling
// number only when the VoiceCall, as a CallbackChecker, accepts it (the
// SIP side's callback policy); else the caller stays on the line. Agents'
// desktops see voice offers ("channel": "voice"); they accept one only
// when it rings their softphone (otherwise bad_state: the phone answers).
// A call restored
// after a restart (or by the node taking over a lost node's tenant) has
// lost its signalling and media: waiting or bridged, it is ended "failed"
// at once, a system cause that the reports never count as the caller's
// abandon (internal/kpi: refused, or answered once it was connected); a
// voice callback keeps its place and is placed by the VoiceDialer when it
// comes up.
//
// # Browser softphone
//
// An agent desktop may answer calls itself (internal/softphone, WebRTC):
// it sends {"type":"softphone","enabled":true} once it has the microphone,
// and gets {"type":"softphone","enabled":true} back (unavailable without
// SIP on the server). A voice offer to that agent then rings the browser
// rather than a registered SIP phone: with the "offer" frame (just before
// or after it) comes {"type":"rtc_offer","contact_id","sdp"}, a complete
// SDP offer (every ICE
// candidate gathered, no trickle) with one audio stream in the caller's
// G.711 law only (PCMU or PCMA: nothing is transcoded), DTLS-SRTP. The
// desktop answers with {"type":"rtc_answer","contact_id","sdp"} (every
// candidate gathered; at most 12 KiB) whenever it likes during the ring,
// and answers the call with "accept": the call is answered once both are
// in, then bridged ("connected", "channel":"voice"). "decline" or the
// offer timeout (RONA) withdraw the offer as for a phone, and the desktop
// gets rtc_hangup. The agent hangs up with "end" (the caller gets a BYE);
// the caller's hang-up ends the conversation ("ended") and the desktop
// gets rtc_hangup; a browser whose connection fails or closes once
// connected hangs the call up. A desktop whose socket drops stops being
// rung; a call in progress goes on while its media flows. "enabled":false
// turns the softphone off (SIP phones ring again).
//
// # Wallboard
//
// Center.Wallboard gives a tenant's live queues (waiting, callbacks,
// longest wait, agents by state) and agents (state, reason, since when)
// with today's figures per queue and the tenant's 15-minute intervals since
// local midnight; see Wallboard for the definitions. The API serves it at
// GET /api/v1/tenants/{tid}/wallboard and as Server-Sent Events.
//
// # Limits and errors
//
// A frame is at most 16 KiB and a message body 4 KiB (error "too_large");
// a session sends at most 5 chat messages per second (token bucket, error
// "rate_limited") and 20 frames per second. A frame that is not JSON, has
// an unknown type or lacks a field gets {"type":"error","code":"bad_frame"}
// and the session goes on. Other codes: bad_state (not allowed now),
// invalid (a field's value), unauthorized, forbidden, unknown_token,
// conflict (client_msg_id reused for another message), unavailable,
// replaced, signed_out (the agent's user was deleted, or its password or
// role changed: the socket then closes). Frames over 1 MiB close the
// connection (status 1009), a text frame that is not UTF-8 too (1007).
//
// # Abuse and idle sockets
//
// A socket that has not started a chat, resumed one or signed an agent in
// within Options.FirstFrameTimeout (10 s) is closed (1008); every session
// is pinged every PingInterval (30 s) and closed when its pong takes more
// than PingTimeout (15 s): a peer gone, or stuck in the middle of a frame.
// Agents' sign-ins go through the server's shared loginguard.Guard (the
// REST login's): a few password checks at once, tries limited per address
// and per login across sockets; a refused one gets rate_limited with
// "retry_after_seconds", and every failure is logged ("audit: failed agent
// sign-in", login and address). One source address may start
// ChatStartsPerMinute chats a minute (10) and keep ChatWaitingPerAddress
// waiting at once per entry point (5); past them "start" gets
// rate_limited with retry_after_seconds (plateau_chats_refused_total). A
// waiting customer who never sent a message keeps their place SilentGrace
// (20 s) after the socket dropped, instead of Grace (2 min). A resume token
// opens its conversation only at the entry point it was given at, and no
// more ResumeGrace (15 min) after the conversation ended. When the center
// stops, every socket is closed with 1001 (going away).
//
// # Metrics
//
// WriteMetrics and MetricsHandler expose plateau_queue_waiting{queue},
// plateau_chats_waiting, plateau_offers_total,
// plateau_sessions_connected{kind} and plateau_messages_total{from} in the
// Prometheus text format.
package live
