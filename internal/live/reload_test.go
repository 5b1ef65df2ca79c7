package live

import (
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
)

func TestReload(t *testing.T) {
	t.Parallel()
	st := openSQLite(t, tempDB(t))
	fx := seed(t, st, 2, 0)
	l := startCenter(t, st, Options{})
	ctx := testCtx(t)
	q2, err := st.CreateQueue(ctx, fx.tenant, model.Queue{Name: "vip", Channel: model.ChannelChat, Priority: 9, SLTargetPct: 90,
		SLThresholdSeconds: 10, Strategy: model.StrategyMostSkilled, OfferTimeoutSeconds: 10})
	must(t, err, "queue")
	must(t, l.c.Reload(ctx, Change{Kind: ChangeQueue, TenantID: fx.tenant, ID: q2.ID}), "reload queue")
	_, err = st.CreateEntryPoint(ctx, fx.tenant, model.EntryPoint{Kind: model.EntryChat, Address: "vip", QueueID: q2.ID})
	must(t, err, "entry point")
	cu := dial(t, l.wsURL("/chat/vip/ws"), "vip")
	cu.send(frame{"type": "start", "name": "Zoe"})
	q := cu.expect("queued")
	// The agent serves every queue of its tenant, the new one included.
	ag := loginAgent(t, l)
	ag.send(frame{"type": "state", "state": "ready"})
	if f := ag.expect("offer"); f.num("contact_id") != q.num("contact_id") || f.str("queue_name") != "vip" {
		t.Fatalf("offer %v", f)
	}
	snap, err := l.c.Snapshot(ctx, fx.tenant)
	must(t, err, "snapshot")
	if len(snap.Queues) != 2 {
		t.Fatalf("snapshot queues %+v", snap.Queues)
	}
	// A deleted queue takes no new contact.
	must(t, l.c.Reload(ctx, Change{Kind: ChangeQueue, TenantID: fx.tenant, ID: q2.ID, Deleted: true}), "delete queue")
	cu2 := dial(t, l.wsURL("/chat/vip/ws"), "vip 2")
	cu2.send(frame{"type": "start", "name": "Yan"})
	if f := cu2.expect("ended"); f.str("reason") != "closed" {
		t.Fatalf("ended %v", f)
	}
	// A deleted agent is signed out.
	must(t, l.c.Reload(ctx, Change{Kind: ChangeAgent, TenantID: fx.tenant, ID: fx.agent, Deleted: true}), "delete agent")
	ag.expectError(codeForbidden)
	if err := l.c.Reload(ctx, Change{Kind: "site"}); err == nil {
		t.Fatal("unknown change kind accepted")
	}
}
