package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/plateau-cc/plateau/internal/media"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// DefaultSIPRealm is the digest realm SIP passwords are hashed for when
// Options.SIPRealm is empty (the SIP server's default realm).
const DefaultSIPRealm = "plateau"

// SIPAccountRequest gives an agent's phone its SIP credentials. The
// password is stored only as digest hashes for the server's realm; the
// username is unique across tenants.
type SIPAccountRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// LanguageRequest sets the language of a tenant's spoken prompts.
type LanguageRequest struct {
	Language string `json:"language"` // "fr" or "en"
}

// Recorded menu prompts: at most MaxPromptUploadBytes uploaded, at most
// MaxPromptLength of audio.
const (
	MaxPromptUploadBytes = 16 << 20
	MaxPromptLength      = 60 * time.Second
)

func (a *API) voiceRoutes(v1 string) []route {
	sipAcc := v1 + "/tenants/{tid}/agents/{id}/sip"
	prompt := v1 + "/tenants/{tid}/entry-points/{id}/menu-prompt"
	return []route{
		{method: http.MethodPut, path: prompt, name: "setMenuPrompt", access: accessTenantAdmin, status: http.StatusOK,
			summary: "Upload the recorded prompt of a phone entry point's menu (WAV: 16-bit PCM at 8 to 48 kHz, mono or stereo, or 8 kHz G.711; at most 60 s), converted to 8 kHz mono; returns the entry point",
			rawIn:   "audio/wav", out: reflect.TypeFor[model.EntryPoint](), serve: a.setMenuPrompt, tag: "entry-points"},
		{method: http.MethodGet, path: prompt, name: "getMenuPrompt", access: accessTenantConfig, status: http.StatusOK,
			summary: "Download the recorded prompt of an entry point's menu, as callers hear it (8 kHz mono WAV)",
			rawOut:  "audio/wav", serve: a.getMenuPrompt, tag: "entry-points"},
		mk(http.MethodDelete, prompt, "deleteMenuPrompt", "Remove the recorded prompt of an entry point's menu: the menu is then not offered", accessTenantAdmin,
			func(ctx context.Context, c *call, _ *noBody) (noContent, error) {
				if err := a.st.DeleteMenuPrompt(ctx, c.tid, c.id); err != nil {
					return noContent{}, err
				}
				a.changed(ctx, Change{Kind: KindEntryPoint, TenantID: c.tid, ID: c.id})
				a.audit(ctx, c, "delete menu prompt")
				return noContent{}, nil
			}).withTag("entry-points"),
		mk(http.MethodPut, sipAcc, "setAgentSIPAccount", "Set the SIP credentials an agent's phone registers with", accessTenantAdmin,
			func(ctx context.Context, c *call, in *SIPAccountRequest) (noContent, error) {
				if err := a.st.SetSIPAccount(ctx, c.tid, c.id, in.Username, a.sipRealm, in.Password); err != nil {
					return noContent{}, err
				}
				a.audit(ctx, c, "set SIP account")
				return noContent{}, nil
			}),
		mk(http.MethodDelete, sipAcc, "deleteAgentSIPAccount", "Remove an agent's SIP credentials", accessTenantAdmin,
			func(ctx context.Context, c *call, _ *noBody) (noContent, error) {
				return noContent{}, a.st.DeleteSIPAccount(ctx, c.tid, c.id)
			}),
		mk(http.MethodPut, v1+"/tenants/{tid}/language", "setTenantLanguage", "Set the language of the tenant's spoken prompts (fr or en)", accessTenantAdmin,
			func(ctx context.Context, c *call, in *LanguageRequest) (noContent, error) {
				if err := a.st.SetTenantLanguage(ctx, c.tid, in.Language); err != nil {
					return noContent{}, err
				}
				a.changed(ctx, Change{Kind: KindTenant, TenantID: c.tid, ID: c.tid})
				return noContent{}, nil
			}),
	}
}

// setMenuPrompt takes an uploaded WAV, converts it to what callers hear and
// stores it as the entry point's menu prompt.
func (a *API) setMenuPrompt(ctx context.Context, c *call) (any, error) {
	ct := c.r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "audio/wav" && mt != "audio/x-wav" && mt != "audio/wave" && mt != "audio/vnd.wave") {
		return nil, apiErr(CodeUnsupportedMedia, "Content-Type %q is not supported: send the prompt as audio/wav", ct)
	}
	// The entry point first: a wrong id is 404, a chat entry 422, before
	// any audio is read.
	ep, err := a.st.GetEntryPoint(ctx, c.tid, c.id)
	if err != nil {
		return nil, err
	}
	if ep.Kind != model.EntryPhone {
		return nil, fmt.Errorf("%w: %w", store.ErrInvalid, &model.ValidationError{Field: "kind", Message: "only phone entry points have a voice menu and its prompt"})
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, MaxPromptUploadBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, apiErr(CodeBodyTooLarge, "a recorded prompt must be at most %d MiB", MaxPromptUploadBytes>>20)
		}
		return nil, apiErr(CodeBadRequest, "reading the prompt: %v", err)
	}
	pcm, err := media.ImportWAV(bytes.NewReader(body), MaxPromptLength)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", store.ErrInvalid, &model.ValidationError{Field: "audio", Message: err.Error()})
	}
	if len(pcm) < media.FrameSamples {
		return nil, fmt.Errorf("%w: %w", store.ErrInvalid, &model.ValidationError{Field: "audio", Message: "the recording is shorter than 20 ms"})
	}
	d := time.Duration(len(pcm)) * time.Second / media.SampleRate
	if err := a.st.SetMenuPrompt(ctx, c.tid, c.id, media.EncodeWAV(pcm), d); err != nil {
		return nil, err
	}
	a.changed(ctx, Change{Kind: KindEntryPoint, TenantID: c.tid, ID: c.id})
	a.audit(ctx, c, "set menu prompt")
	return a.st.GetEntryPoint(ctx, c.tid, c.id)
}

// getMenuPrompt sends the stored prompt.
func (a *API) getMenuPrompt(ctx context.Context, c *call) (any, error) {
	wav, _, err := a.st.MenuPrompt(ctx, c.tid, c.id)
	if err != nil {
		return nil, err
	}
	h := c.w.Header()
	h.Set("Content-Type", "audio/wav")
	h.Set("Content-Length", strconv.Itoa(len(wav)))
	h.Set("Cache-Control", "no-store")
	c.w.WriteHeader(http.StatusOK)
	_, _ = c.w.Write(wav)
	return nil, nil
}
