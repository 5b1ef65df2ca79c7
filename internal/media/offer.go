package media

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/pion/sdp/v3"
)

// OfferSpec describes an SDP offer Plateau makes (a call it places, to an
// agent's phone or a customer called back).
type OfferSpec struct {
	Addr  netip.AddrPort // local RTP address to receive on
	Laws  []Law          // offered G.711 laws, preferred first (at least one)
	Event uint8          // telephone-event payload type (96-127); 0 offers none
	Ptime int            // ms; 0 means 20
	// SessionID and SessionVersion fill o=; keep them for the dialog.
	SessionID, SessionVersion uint64
}

// BuildOffer returns an SDP offer of one sendrecv audio stream with the
// given laws and, when Event is set, telephone-event/8000 (events 0-16).
func BuildOffer(o OfferSpec) ([]byte, error) {
	if !o.Addr.IsValid() || o.Addr.Port() == 0 {
		return nil, fmt.Errorf("media: sdp offer: local address %v invalid", o.Addr)
	}
	if len(o.Laws) == 0 {
		return nil, errors.New("media: sdp offer: no codec")
	}
	if o.Event != 0 && (o.Event < 96 || o.Event > 127) {
		return nil, fmt.Errorf("media: sdp offer: telephone-event payload type %d outside 96-127", o.Event)
	}
	addrType, ip := "IP4", o.Addr.Addr().Unmap()
	if ip.Is6() {
		addrType = "IP6"
	}
	ptime := o.Ptime
	if ptime == 0 {
		ptime = 20
	}
	var formats []string
	var attrs []sdp.Attribute
	for _, l := range o.Laws {
		if l != Ulaw && l != Alaw {
			return nil, fmt.Errorf("media: sdp offer: unknown law %d", l)
		}
		pt := l.PayloadType()
		formats = append(formats, strconv.Itoa(int(pt)))
		attrs = append(attrs, sdp.NewAttribute("rtpmap", fmt.Sprintf("%d %s/%d", pt, l, SampleRate)))
	}
	if o.Event != 0 {
		formats = append(formats, strconv.Itoa(int(o.Event)))
		attrs = append(attrs,
			sdp.NewAttribute("rtpmap", fmt.Sprintf("%d telephone-event/%d", o.Event, SampleRate)),
			sdp.NewAttribute("fmtp", fmt.Sprintf("%d 0-16", o.Event)))
	}
	attrs = append(attrs, sdp.NewAttribute("ptime", strconv.Itoa(ptime)), sdp.NewPropertyAttribute(SendRecv.String()))
	d := &sdp.SessionDescription{
		Origin: sdp.Origin{Username: "-", SessionID: o.SessionID, SessionVersion: o.SessionVersion,
			NetworkType: "IN", AddressType: addrType, UnicastAddress: ip.String()},
		SessionName:           "plateau",
		ConnectionInformation: &sdp.ConnectionInformation{NetworkType: "IN", AddressType: addrType, Address: &sdp.Address{Address: ip.String()}},
		TimeDescriptions:      []sdp.TimeDescription{{Timing: sdp.Timing{}}},
		MediaDescriptions: []*sdp.MediaDescription{{
			MediaName:  sdp.MediaName{Media: "audio", Port: sdp.RangedPort{Value: int(o.Addr.Port())}, Protos: []string{"RTP", "AVP"}, Formats: formats},
			Attributes: attrs,
		}},
	}
	out, err := d.Marshal()
	if err != nil {
		return nil, fmt.Errorf("media: sdp offer: %w", err)
	}
	return out, nil
}
