package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/cluster"
	"github.com/plateau-cc/plateau/internal/cluster/natstest"
	"github.com/plateau-cc/plateau/internal/sip"
	"github.com/plateau-cc/plateau/internal/store"
	"github.com/plateau-cc/plateau/internal/store/storetest"
)

// TestSIPSetupCachesForgetOnEveryNode: an entry point renumbered through
// the API of the tenant's owner is renumbered for every node's SIP: the
// node that only redirects the tenant's calls no longer sends the old
// number to the owner (404) and redirects the new one.
func TestSIPSetupCachesForgetOnEveryNode(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := store.Open(ctx, dsn)
	must(t, err)
	defer st.Close()
	fx := clusterFixture{dsn: dsn, nats: natstest.Start(t).URL()}
	var vt voiceTenant
	for i := 0; vt.id == 0; i++ {
		if i == 40 {
			t.Fatal("no tenant that b wins")
		}
		v := seedVoiceTenant(t, ctx, st, i)
		fx.tenants = append(fx.tenants, v.id)
		if cluster.Winner(v.id, []string{"a", "b"}) == "b" {
			vt = v
		}
	}
	_, token, err := st.CreateToken(ctx, nil, "test")
	must(t, err)
	a, _ := startSIPNode(t, fx, "a", "")
	b, _ := startSIPNode(t, fx, "b", "")
	waitFor(t, "b runs the tenant, a knows it", func() bool {
		return b.cluster.center(vt.id) != nil && sipOwnerIn(a.cluster.mgr.LastStatus(), vt.id, "a", time.Now(), time.Hour) == b.SIP.Addr().String()
	})
	caller, err := sip.NewPhone(ctx, sip.PhoneConfig{Server: a.SIP.Addr().String(), Username: "+33612345678"})
	must(t, err)
	dial := func(number string) error {
		_, err := caller.Dial(ctx, number)
		return err
	}
	if code, _, ok := sip.Redirected(dial(vt.number)); !ok || code != 302 {
		t.Fatalf("the tenant's number at a: %d (%v), want 302", code, ok)
	}

	// Renumbered through the owner's API: b applies it itself.
	eps, err := st.ListEntryPoints(ctx, vt.id)
	must(t, err)
	ep := eps[0]
	ep.Address = "2" + vt.number
	body, _ := json.Marshal(ep)
	req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("http://%s/api/v1/tenants/%d/entry-points/%d", b.Addr(), vt.id, ep.ID), bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("renumber at b: %d %s", resp.StatusCode, msg)
	}
	waitFor(t, "a forgets the old number (404)", func() bool {
		err := dial(vt.number)
		return err != nil && strings.Contains(err.Error(), "404")
	})
	if code, _, ok := sip.Redirected(dial(ep.Address)); !ok || code != 302 {
		t.Fatalf("the new number at a: %d (%v), want 302", code, ok)
	}
}
