package media

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// Static RTP payload types of RFC 3551.
const (
	PayloadPCMU = 0
	PayloadPCMA = 8
)

// Direction is an SDP media direction attribute.
type Direction uint8

// Media directions (RFC 3264). The zero value is SendRecv, SDP's default.
const (
	SendRecv Direction = iota
	SendOnly
	RecvOnly
	Inactive
)

// String returns the attribute name.
func (d Direction) String() string {
	switch d {
	case SendOnly:
		return "sendonly"
	case RecvOnly:
		return "recvonly"
	case Inactive:
		return "inactive"
	}
	return "sendrecv"
}

// Reverse returns the direction seen from the other end (the answer to an
// offer of d, when the answerer accepts everything).
func (d Direction) Reverse() Direction {
	switch d {
	case SendOnly:
		return RecvOnly
	case RecvOnly:
		return SendOnly
	}
	return d
}

// Format is one payload format offered on the audio stream.
type Format struct {
	PT       uint8
	Name     string // encoding name as written, e.g. "PCMU", "telephone-event"
	Rate     int    // clock rate in Hz
	Channels int    // 1 when not given
	Fmtp     string // format parameters, "" when absent
}

// Offer is what Plateau needs from a remote SDP offer: where to send audio
// and in which formats.
type Offer struct {
	Addr      netip.AddrPort // remote RTP address (media-level c= over session-level)
	Formats   []Format       // offered formats, in the offerer's order of preference
	Ptime     int            // packet time in ms; 0 when not given
	Direction Direction
	// Hold is true when the connection address is 0.0.0.0 (RFC 2543 hold).
	Hold bool

	// sdp keeps the parsed offer for building the answer.
	sdp        *sdp.SessionDescription
	mediaIndex int // index of the audio m-line used
}

// TelephoneEvent returns the offered RFC 4733 telephone-event format at
// 8 kHz, if any.
func (o *Offer) TelephoneEvent() (Format, bool) {
	for _, f := range o.Formats {
		if strings.EqualFold(f.Name, "telephone-event") && f.Rate == SampleRate {
			return f, true
		}
	}
	return Format{}, false
}

// ChooseCodec returns the first G.711 law in the offerer's order of
// preference among those Plateau accepts (prefs, or both laws when prefs is
// empty).
func (o *Offer) ChooseCodec(prefs ...Law) (Law, error) {
	if len(prefs) == 0 {
		prefs = []Law{Ulaw, Alaw}
	}
	for _, f := range o.Formats {
		law, ok := formatLaw(f)
		if !ok {
			continue
		}
		for _, p := range prefs {
			if p == law {
				return law, nil
			}
		}
	}
	return 0, fmt.Errorf("media: sdp: no common codec (offered %s, accepted %v)", o.formatNames(), prefs)
}

func (o *Offer) formatNames() string {
	names := make([]string, len(o.Formats))
	for i, f := range o.Formats {
		names[i] = fmt.Sprintf("%s/%d", f.Name, f.Rate)
	}
	return strings.Join(names, " ")
}

func formatLaw(f Format) (Law, bool) {
	if f.Rate != SampleRate || f.Channels != 1 {
		return 0, false
	}
	switch {
	case strings.EqualFold(f.Name, "PCMU"):
		return Ulaw, true
	case strings.EqualFold(f.Name, "PCMA"):
		return Alaw, true
	}
	return 0, false
}

// maxSDPSize bounds what ParseOffer accepts (a SIP body; real offers are
// well under 4 KiB).
const maxSDPSize = 64 << 10

// ParseOffer parses a remote SDP offer and returns its first usable audio
// stream (an "audio" m-line over RTP/AVP with a port other than 0). The
// connection address must be an IP literal.
func ParseOffer(b []byte) (*Offer, error) {
	if len(b) > maxSDPSize {
		return nil, fmt.Errorf("media: sdp: %d bytes, more than %d", len(b), maxSDPSize)
	}
	var sd sdp.SessionDescription
	if err := unmarshalSDP(&sd, b); err != nil {
		return nil, fmt.Errorf("media: sdp: %w", err)
	}
	for i, md := range sd.MediaDescriptions {
		if md == nil || md.MediaName.Media != "audio" || md.MediaName.Port.Value == 0 {
			continue
		}
		if strings.Join(md.MediaName.Protos, "/") != "RTP/AVP" {
			continue
		}
		o, err := parseAudio(&sd, md)
		if err != nil {
			return nil, fmt.Errorf("media: sdp audio stream %d: %w", i, err)
		}
		o.sdp, o.mediaIndex = &sd, i
		return o, nil
	}
	return nil, errors.New("media: sdp: no active RTP/AVP audio stream")
}

// unmarshalSDP shields callers from a panic in the parser on hostile
// input: a SIP body is untrusted.
func unmarshalSDP(sd *sdp.SessionDescription, b []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed description (parser panic: %v)", r)
		}
	}()
	return sd.Unmarshal(b)
}

func parseAudio(sd *sdp.SessionDescription, md *sdp.MediaDescription) (*Offer, error) {
	o := &Offer{}
	port := md.MediaName.Port.Value
	if port < 1 || port > 65535 {
		return nil, fmt.Errorf("port %d out of range", port)
	}
	ci := md.ConnectionInformation
	if ci == nil {
		ci = sd.ConnectionInformation
	}
	if ci == nil || ci.Address == nil {
		return nil, errors.New("no connection address (c=)")
	}
	if ci.NetworkType != "IN" {
		return nil, fmt.Errorf("network type %q, want IN", ci.NetworkType)
	}
	ip, err := netip.ParseAddr(ci.Address.Address)
	if err != nil {
		return nil, fmt.Errorf("connection address %q is not an IP address", ci.Address.Address)
	}
	if (ci.AddressType == "IP4") != ip.Is4() || (ci.AddressType != "IP4" && ci.AddressType != "IP6") {
		return nil, fmt.Errorf("connection address %q does not match address type %q", ip, ci.AddressType)
	}
	o.Hold = ip.IsUnspecified()
	o.Addr = netip.AddrPortFrom(ip, uint16(port))

	// Formats, with rtpmap and fmtp attributes.
	rtpmap := map[uint8]Format{}
	fmtp := map[uint8]string{}
	for _, a := range md.Attributes {
		switch a.Key {
		case "rtpmap":
			pt, f, err := parseRtpmap(a.Value)
			if err != nil {
				return nil, err
			}
			rtpmap[pt] = f
		case "fmtp":
			ptText, params, _ := strings.Cut(a.Value, " ")
			pt, err := strconv.ParseUint(ptText, 10, 7)
			if err != nil {
				return nil, fmt.Errorf("fmtp %q: bad payload type", a.Value)
			}
			fmtp[uint8(pt)] = strings.TrimSpace(params)
		case "ptime":
			p, err := strconv.Atoi(strings.TrimSpace(a.Value))
			if err != nil || p <= 0 || p > 1000 {
				return nil, fmt.Errorf("ptime %q invalid", a.Value)
			}
			o.Ptime = p
		}
	}
	o.Direction = direction(sd.Attributes, SendRecv)
	o.Direction = direction(md.Attributes, o.Direction)
	for _, s := range md.MediaName.Formats {
		pt, err := strconv.ParseUint(s, 10, 7)
		if err != nil {
			return nil, fmt.Errorf("payload type %q invalid", s)
		}
		f, ok := rtpmap[uint8(pt)]
		if !ok {
			f, ok = staticFormat(uint8(pt))
		}
		if !ok {
			continue // a dynamic type without rtpmap: unusable, not fatal
		}
		f.PT = uint8(pt)
		f.Fmtp = fmtp[f.PT]
		o.Formats = append(o.Formats, f)
	}
	if len(o.Formats) == 0 {
		return nil, errors.New("no known payload format")
	}
	return o, nil
}

func staticFormat(pt uint8) (Format, bool) {
	switch pt {
	case PayloadPCMU:
		return Format{Name: "PCMU", Rate: SampleRate, Channels: 1}, true
	case PayloadPCMA:
		return Format{Name: "PCMA", Rate: SampleRate, Channels: 1}, true
	}
	return Format{}, false
}

// parseRtpmap parses "<pt> <name>/<rate>[/<channels>]".
func parseRtpmap(v string) (uint8, Format, error) {
	ptText, enc, ok := strings.Cut(strings.TrimSpace(v), " ")
	pt, err := strconv.ParseUint(ptText, 10, 7)
	if !ok || err != nil {
		return 0, Format{}, fmt.Errorf("rtpmap %q: bad payload type", v)
	}
	parts := strings.Split(strings.TrimSpace(enc), "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" {
		return 0, Format{}, fmt.Errorf("rtpmap %q: want name/rate[/channels]", v)
	}
	rate, err := strconv.Atoi(parts[1])
	if err != nil || rate <= 0 {
		return 0, Format{}, fmt.Errorf("rtpmap %q: bad clock rate", v)
	}
	f := Format{Name: parts[0], Rate: rate, Channels: 1}
	if len(parts) == 3 {
		if f.Channels, err = strconv.Atoi(parts[2]); err != nil || f.Channels < 1 {
			return 0, Format{}, fmt.Errorf("rtpmap %q: bad channel count", v)
		}
	}
	return uint8(pt), f, nil
}

func direction(attrs []sdp.Attribute, d Direction) Direction {
	for _, a := range attrs {
		switch a.Key {
		case "sendrecv":
			d = SendRecv
		case "sendonly":
			d = SendOnly
		case "recvonly":
			d = RecvOnly
		case "inactive":
			d = Inactive
		}
	}
	return d
}

// Answer describes Plateau's side of the call for BuildAnswer.
type Answer struct {
	Addr           netip.AddrPort // local RTP address to receive on
	Codec          Law
	TelephoneEvent bool      // accept RFC 4733 events if offered
	Direction      Direction // what Plateau wants; combined with the offer's
	Ptime          int       // ms; 0 means 20
	SessionID      uint64    // o= session id; keep it for the dialog
	SessionVersion uint64    // o= version; increment on each new offer/answer
	Username       string    // o= username; "-" when empty
}

// BuildAnswer returns the SDP answer to offer (RFC 3264): the chosen audio
// stream gets the codec (and telephone-event when wanted and offered), and
// every other m-line of the offer is rejected with port 0.
func BuildAnswer(offer *Offer, a Answer) ([]byte, error) {
	if offer == nil || offer.sdp == nil {
		return nil, errors.New("media: sdp answer: no parsed offer")
	}
	if !a.Addr.IsValid() || a.Addr.Port() == 0 {
		return nil, fmt.Errorf("media: sdp answer: local address %v invalid", a.Addr)
	}
	var codec *Format
	for i, f := range offer.Formats {
		if law, ok := formatLaw(f); ok && law == a.Codec {
			codec = &offer.Formats[i]
			break
		}
	}
	if codec == nil {
		return nil, fmt.Errorf("media: sdp answer: %v was not offered", a.Codec)
	}
	addrType, ip := "IP4", a.Addr.Addr().Unmap()
	if ip.Is6() {
		addrType = "IP6"
	}
	user := a.Username
	if user == "" {
		user = "-"
	}
	ptime := a.Ptime
	if ptime == 0 {
		ptime = 20
	}
	conn := &sdp.ConnectionInformation{NetworkType: "IN", AddressType: addrType, Address: &sdp.Address{Address: ip.String()}}
	ans := &sdp.SessionDescription{
		Origin: sdp.Origin{
			Username: user, SessionID: a.SessionID, SessionVersion: a.SessionVersion,
			NetworkType: "IN", AddressType: addrType, UnicastAddress: ip.String(),
		},
		SessionName:           "plateau",
		ConnectionInformation: conn,
		TimeDescriptions:      []sdp.TimeDescription{{Timing: sdp.Timing{}}},
	}
	for i, md := range offer.sdp.MediaDescriptions {
		if i != offer.mediaIndex {
			ans.MediaDescriptions = append(ans.MediaDescriptions, rejected(md))
			continue
		}
		formats := []string{strconv.Itoa(int(codec.PT))}
		attrs := []sdp.Attribute{sdp.NewAttribute("rtpmap", fmt.Sprintf("%d %s/%d", codec.PT, codec.Name, codec.Rate))}
		if te, ok := offer.TelephoneEvent(); ok && a.TelephoneEvent {
			formats = append(formats, strconv.Itoa(int(te.PT)))
			attrs = append(attrs, sdp.NewAttribute("rtpmap", fmt.Sprintf("%d %s/%d", te.PT, te.Name, te.Rate)))
			fmtp := te.Fmtp
			if fmtp == "" {
				fmtp = "0-16"
			}
			attrs = append(attrs, sdp.NewAttribute("fmtp", fmt.Sprintf("%d %s", te.PT, fmtp)))
		}
		attrs = append(attrs,
			sdp.NewAttribute("ptime", strconv.Itoa(ptime)),
			sdp.NewPropertyAttribute(answerDirection(offer.Direction, a.Direction).String()))
		ans.MediaDescriptions = append(ans.MediaDescriptions, &sdp.MediaDescription{
			MediaName: sdp.MediaName{
				Media:   "audio",
				Port:    sdp.RangedPort{Value: int(a.Addr.Port())},
				Protos:  []string{"RTP", "AVP"},
				Formats: formats,
			},
			Attributes: attrs,
		})
	}
	out, err := ans.Marshal()
	if err != nil {
		return nil, fmt.Errorf("media: sdp answer: %w", err)
	}
	return out, nil
}

func rejected(md *sdp.MediaDescription) *sdp.MediaDescription {
	r := &sdp.MediaDescription{MediaName: sdp.MediaName{Media: "audio", Protos: []string{"RTP", "AVP"}, Formats: []string{"0"}}}
	if md != nil {
		r.MediaName.Media = md.MediaName.Media
		if len(md.MediaName.Protos) > 0 {
			r.MediaName.Protos = md.MediaName.Protos
		}
		if len(md.MediaName.Formats) > 0 {
			r.MediaName.Formats = md.MediaName.Formats[:1]
		}
	}
	return r
}

// answerDirection combines the offered direction with what the answerer
// wants: the answer may only send if the offerer receives, and only
// receive if the offerer sends.
func answerDirection(offered, want Direction) Direction {
	canSend := offered == SendRecv || offered == RecvOnly
	canRecv := offered == SendRecv || offered == SendOnly
	send := canSend && (want == SendRecv || want == SendOnly)
	recv := canRecv && (want == SendRecv || want == RecvOnly)
	switch {
	case send && recv:
		return SendRecv
	case send:
		return SendOnly
	case recv:
		return RecvOnly
	}
	return Inactive
}
