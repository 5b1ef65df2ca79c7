package media

import (
	"errors"

	"github.com/pion/rtp"
)

// forwardState maps the timestamps of forwarded packets onto the session's
// own timeline.
type forwardState struct {
	started bool
	ssrc    uint32 // source of the packets being forwarded
	offset  uint32 // added to their timestamps
}

// Forward sends a packet received on another session (a bridge between two
// calls, no transcoding): same payload type, marker and payload, under this
// session's SSRC and sequence numbers. Timestamps keep their spacing (RFC
// 4733 events keep their shared timestamp), rebased on this session's
// timeline so that a bridge after prompts continues the same stream. It must
// not run at the same time as Play or SendDigit on the session.
func (s *Session) Forward(p *rtp.Packet) error {
	if p == nil {
		return errors.New("media: forward: nil packet")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := &s.fwd
	if !f.started || f.ssrc != p.SSRC {
		// A new source (or the first packet): continue from where the
		// session's own stream stands, as a new talkspurt.
		f.started, f.ssrc, f.offset = true, p.SSRC, s.ts-p.Timestamp
	}
	ts := p.Timestamp + f.offset
	if err := s.writeLocked(p.PayloadType&0x7F, p.Payload, ts, p.Marker, 0); err != nil {
		return err
	}
	if int32(ts-s.ts) > 0 {
		s.ts = ts
	}
	return nil
}
