package server

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// BenchmarkClusterLiveCall: one wallboard read (a chat waiting, an agent
// signed in) and one set-state through clusterNode, on the tenant's owner
// (in-process) and on the other node (NATS request/reply to the owner):
// the difference is the message hop (encoding, NATS, decoding).
func BenchmarkClusterLiveCall(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	_, ten, _, nodes, _ := edgeCluster(b, ctx, "a", "b")
	oi := ownerOf(b, nodes, ten.id)
	owner, edge := nodes[oi], nodes[1-oi]
	desk, _, err := websocket.Dial(ctx, fmt.Sprintf("ws://%s/agent/ws?tenant=%d", owner.Addr(), ten.id), nil)
	must(b, err)
	defer desk.CloseNow()
	must(b, desk.Write(ctx, websocket.MessageText, []byte(`{"type":"login","login":"agent","password":"`+edgePassword+`"}`)))
	go func() { // drain the desk's frames
		for {
			if _, _, err := desk.Read(ctx); err != nil {
				return
			}
		}
	}()
	chat, _, err := websocket.Dial(ctx, "ws://"+owner.Addr()+"/chat/web/ws", &websocket.DialOptions{HTTPClient: http.DefaultClient})
	must(b, err)
	defer chat.CloseNow()
	must(b, chat.Write(ctx, websocket.MessageText, []byte(`{"type":"start","name":"Ada"}`)))
	_, _, err = chat.Read(ctx)
	must(b, err)
	waitFor(b, "the agent online", func() bool {
		wb, err := owner.cluster.Wallboard(ctx, ten.id)
		return err == nil && len(wb.Agents) == 1 && wb.Agents[0].Online
	})
	for _, n := range []struct {
		name string
		s    *Server
	}{{"owner", owner}, {"edge", edge}} {
		b.Run("wallboard/"+n.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := n.s.cluster.Wallboard(ctx, ten.id); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("set_state/"+n.name, func(b *testing.B) {
			for b.Loop() {
				if err := n.s.cluster.SetAgentState(ctx, ten.id, ten.agent, "not_ready", "bench"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
