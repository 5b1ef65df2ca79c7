package media

import (
	"runtime"
	"testing"
	"time"
)

// TestReadPacketAtKernelTime sends two packets, waits before reading them
// and checks that the arrival times returned are when each packet came in,
// not when the read returned.
func TestReadPacketAtKernelTime(t *testing.T) {
	s, err := Listen(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.KernelArrivalTimes() {
		if runtime.GOOS == "linux" {
			t.Fatal("no kernel arrival times on Linux")
		}
		t.Skip("no kernel arrival times on " + runtime.GOOS)
	}
	peer := rawPeer(t)
	buf := make([]byte, 1500)
	// Linux turns arrival stamping on for the whole system a moment after
	// the first socket asks (until then packets are stamped when read):
	// wait until a probe packet comes with its arrival time.
	for seq := uint16(1); ; seq++ {
		if seq > 100 {
			t.Fatal("no probe packet came with its arrival time")
		}
		if _, err := peer.WriteToUDPAddrPort(rtpBytes(t, seq, 0, 8, PayloadPCMU), s.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
		readStart := time.Now()
		if _, at, err := s.ReadPacketAt(t.Context(), buf); err != nil {
			t.Fatal(err)
		} else if at.Before(readStart) {
			break
		}
	}
	var sentAt [2]time.Time
	for i := range sentAt {
		sentAt[i] = time.Now()
		if _, err := peer.WriteToUDPAddrPort(rtpBytes(t, uint16(10+i), uint32(160*i), 9, PayloadPCMU), s.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Millisecond) // the packet waits in the socket
	}
	readStart := time.Now()
	var at [2]time.Time
	for i := range at {
		p, a, err := s.ReadPacketAt(t.Context(), buf)
		if err != nil {
			t.Fatal(err)
		}
		if p.SequenceNumber != uint16(10+i) {
			t.Fatalf("packet %d: seq %d", i, p.SequenceNumber)
		}
		at[i] = a
	}
	for i := range at {
		if at[i].Before(sentAt[i]) || !at[i].Before(readStart) {
			t.Errorf("packet %d: arrival %v, sent at %v, read from %v: not the arrival time",
				i, at[i].Format(time.StampMicro), sentAt[i].Format(time.StampMicro), readStart.Format(time.StampMicro))
		}
	}
	if !at[1].After(at[0]) || at[1].Before(sentAt[1]) {
		t.Errorf("arrivals %v then %v for packets sent at %v and %v",
			at[0].Format(time.StampMicro), at[1].Format(time.StampMicro), sentAt[0].Format(time.StampMicro), sentAt[1].Format(time.StampMicro))
	}
	if st := s.Stats(); st.SSRCChanges != 1 || st.PacketsReceived != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestArrivalTimeWithoutStamp(t *testing.T) {
	if _, ok := arrivalTime(nil); ok {
		t.Error("a time from no control message")
	}
	if _, ok := arrivalTime([]byte{1, 2, 3}); ok {
		t.Error("a time from a truncated control message")
	}
}
