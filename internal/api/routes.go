package api

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/plateau-cc/plateau/internal/loginguard"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// route is one endpoint: everything the mux, the role checks and the
// OpenAPI document need.
type route struct {
	method  string
	path    string // ServeMux path pattern: /api/v1/tenants/{tid}/sites/{id}
	name    string // OpenAPI operationId
	summary string
	tag     string
	access  access
	status  int          // status of a success
	in      reflect.Type // request body type; nil: no body
	out     reflect.Type // response body type; nil: no body (204)
	query   []param      // documented query parameters
	// stream is the media type of a route that writes its own response
	// (text/event-stream): serve writes it and returns (nil, nil), or an
	// error before writing anything; out documents each event's data.
	stream string
	// rawIn is the media type of a request body the route reads itself
	// (audio/wav), rawOut of a response it writes itself (serve returns
	// nil, nil once written, or an error before writing anything).
	rawIn, rawOut string
	// csv: the route also answers text/csv (?format=csv or Accept), which
	// serve writes itself, returning errWritten.
	csv   bool
	serve func(ctx context.Context, c *call) (any, error)
}

// param is a documented query parameter; typ is its JSON schema type
// ("" is integer).
type param struct {
	name, description string
	typ               string
}

func (rt route) pattern() string { return rt.method + " " + rt.path }

// pathParams lists the route's {name} path parameters.
func (rt route) pathParams() []string {
	var out []string
	for _, seg := range strings.Split(rt.path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, strings.Trim(seg, "{}"))
		}
	}
	return out
}

// call is one request on its way through a route.
type call struct {
	w http.ResponseWriter
	r *http.Request
	// p is the caller; nil on public routes.
	p *principal
	// tid and id are the path's {tid} and {id}, 0 when absent.
	tid, id int64
}

// noBody marks a route without request body; noContent one answering 204.
type (
	noBody    struct{}
	noContent struct{}
)

// mk declares a route whose handler receives the decoded body In and
// returns Out; the types are also what the OpenAPI document shows.
func mk[In, Out any](method, path, name, summary string, ac access, fn func(ctx context.Context, c *call, in *In) (Out, error)) route {
	rt := route{method: method, path: path, name: name, summary: summary, access: ac, status: http.StatusOK}
	if in := reflect.TypeFor[In](); in != reflect.TypeFor[noBody]() {
		rt.in = in
	}
	if out := reflect.TypeFor[Out](); out != reflect.TypeFor[noContent]() {
		rt.out = out
	} else {
		rt.status = http.StatusNoContent
	}
	if method == http.MethodPost && rt.out != nil && strings.HasPrefix(name, "create") {
		rt.status = http.StatusCreated
	}
	hasBody := rt.in != nil
	rt.serve = func(ctx context.Context, c *call) (any, error) {
		var in In
		if hasBody {
			if err := decodeJSON(c.w, c.r, &in); err != nil {
				return nil, err
			}
		}
		return fn(ctx, c, &in)
	}
	return rt
}

func (rt route) withQuery(ps ...param) route {
	rt.query = append(rt.query, ps...)
	return rt
}

func (rt route) withTag(tag string) route {
	rt.tag = tag
	return rt
}

// wrap applies authentication, tenant scoping, roles and CSRF in that
// order, then serves rt.
func (a *API) wrap(rt route) http.Handler {
	params := rt.pathParams()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		c := &call{w: w, r: r}
		fail := func(err error) { a.writeError(w, r, err) }
		if rt.access != accessPublic {
			p, err := a.authenticate(ctx, r)
			if err != nil {
				fail(err)
				return
			}
			c.p = p
		}
		for _, name := range params {
			v, err := pathID(r, name)
			if err != nil {
				fail(err)
				return
			}
			switch name {
			case "tid":
				c.tid = v
			case "id":
				c.id = v
			}
		}
		if err := rt.access.authorize(c.p, c.tid); err != nil {
			fail(err)
			return
		}
		if err := checkCSRF(r, c.p); err != nil {
			fail(err)
			return
		}
		out, err := rt.serve(ctx, c)
		if errors.Is(err, errWritten) {
			return
		}
		if err != nil {
			fail(err)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			a.recordChange(ctx, c, rt)
		}
		if rt.stream != "" || rt.rawOut != "" {
			return
		}
		a.writeJSON(w, r, rt.status, out)
	})
}

// pathID parses a positive id from the path; anything else names nothing.
func pathID(r *http.Request, name string) (int64, error) {
	s := r.PathValue(name)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, apiErr(CodeNotFound, "%s %q is not a valid id", name, s)
	}
	return v, nil
}

// queryID parses an optional positive id query parameter.
func queryID(r *http.Request, name string) (*int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return nil, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return nil, apiErr(CodeBadRequest, "query parameter %s must be a positive id (got %q)", name, s)
	}
	return &v, nil
}

// changed tells the OnChange hook; the hook's context outlives the client.
func (a *API) changed(ctx context.Context, ev Change) {
	if a.onChange != nil {
		a.onChange(context.WithoutCancel(ctx), ev)
	}
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// crud describes a tenant-scoped configuration resource served with list,
// create, get, update and delete.
type crud[T any] struct {
	plural   string // path segment and tag: "entry-points"
	singular string // for operation ids: "EntryPoint"
	kind     string // Change.Kind
	list     func(*store.Store, context.Context, int64) ([]T, error)
	get      func(*store.Store, context.Context, int64, int64) (T, error)
	create   func(*store.Store, context.Context, int64, T) (T, error)
	update   func(*store.Store, context.Context, int64, T) error
	del      func(*store.Store, context.Context, int64, int64) error
	setID    func(*T, int64)
	idOf     func(T) int64
}

func crudRoutes[T any](a *API, res crud[T]) []route {
	base := "/api/v1/tenants/{tid}/" + res.plural
	item := base + "/{id}"
	pluralName := res.singular + "s"
	routes := []route{
		mk(http.MethodGet, base, "list"+pluralName, "List the tenant's "+strings.ReplaceAll(res.plural, "-", " "), accessTenantConfig,
			func(ctx context.Context, c *call, _ *noBody) ([]T, error) {
				v, err := res.list(a.st, ctx, c.tid)
				return nonNil(v), err
			}),
		mk(http.MethodPost, base, "create"+res.singular, "Create a "+res.kind, accessTenantAdmin,
			func(ctx context.Context, c *call, in *T) (T, error) {
				res.setID(in, 0)
				v, err := res.create(a.st, ctx, c.tid, *in)
				if err != nil {
					var zero T
					return zero, err
				}
				a.changed(ctx, Change{Kind: res.kind, TenantID: c.tid, ID: res.idOf(v)})
				return v, nil
			}),
		mk(http.MethodGet, item, "get"+res.singular, "Get a "+res.kind, accessTenantConfig,
			func(ctx context.Context, c *call, _ *noBody) (T, error) {
				return res.get(a.st, ctx, c.tid, c.id)
			}),
		mk(http.MethodPut, item, "update"+res.singular, "Replace a "+res.kind, accessTenantAdmin,
			func(ctx context.Context, c *call, in *T) (T, error) {
				var zero T
				res.setID(in, c.id)
				if err := res.update(a.st, ctx, c.tid, *in); err != nil {
					return zero, err
				}
				a.changed(ctx, Change{Kind: res.kind, TenantID: c.tid, ID: c.id})
				return res.get(a.st, ctx, c.tid, c.id)
			}),
		mk(http.MethodDelete, item, "delete"+res.singular, "Delete a "+res.kind, accessTenantAdmin,
			func(ctx context.Context, c *call, _ *noBody) (noContent, error) {
				if err := res.del(a.st, ctx, c.tid, c.id); err != nil {
					return noContent{}, err
				}
				a.changed(ctx, Change{Kind: res.kind, TenantID: c.tid, ID: c.id, Deleted: true})
				return noContent{}, nil
			}),
	}
	for i := range routes {
		routes[i].tag = res.plural
	}
	return routes
}

// Request and response bodies specific to the API.
type (
	// LoginRequest signs a user in.
	LoginRequest struct {
		Login    string `json:"login"`
		Password string `json:"password"`
	}
	// LoginResponse is the signed-in user and the CSRF token to send in
	// X-CSRF-Token on the session's state-changing requests.
	LoginResponse struct {
		User      model.User `json:"user"`
		CSRFToken string     `json:"csrf_token"`
	}
	// Me describes the caller: a user (session) or an API token.
	Me struct {
		User          *model.User     `json:"user,omitempty"`
		Token         *model.APIToken `json:"token,omitempty"`
		TenantID      *int64          `json:"tenant_id"`
		Role          model.Role      `json:"role"`
		PlatformAdmin bool            `json:"platform_admin"`
		// CSRFToken is the session's CSRF token (sessions only).
		CSRFToken string `json:"csrf_token,omitempty"`
	}
	// UserInput creates a user, optionally with its password.
	UserInput struct {
		model.User
		Password string `json:"password,omitempty"`
	}
	// PasswordRequest sets a user's password.
	PasswordRequest struct {
		Password string `json:"password"`
	}
	// TokenRequest creates an API token. TenantID is the tenant the token
	// administers; platform admins may leave it out for a platform token,
	// tenant admins may only name their own tenant.
	TokenRequest struct {
		Name     string `json:"name"`
		TenantID *int64 `json:"tenant_id"`
	}
	// CreatedToken is a new API token with its plaintext, shown only once.
	CreatedToken struct {
		model.APIToken
		Token string `json:"token"`
	}
)

// routeTable declares every endpoint of the API.
func (a *API) routeTable() []route {
	const v1 = "/api/v1"
	tenantParam := param{name: "tenant_id", description: "platform admins: the tenant whose tokens to address (default: platform tokens); others: their own tenant only"}
	var rs []route
	add := func(tag string, r ...route) {
		for _, x := range r {
			if x.tag == "" {
				x.tag = tag
			}
			rs = append(rs, x)
		}
	}

	add("meta", mk(http.MethodGet, v1+"/openapi.json", "getOpenAPI", "This OpenAPI document", accessPublic,
		func(context.Context, *call, *noBody) (json.RawMessage, error) { return a.openapi, nil }))

	add("session",
		mk(http.MethodPost, v1+"/login", "login", "Sign in with a password; sets the session cookie", accessPublic, a.login),
		mk(http.MethodPost, v1+"/logout", "logout", "Close the session and clear its cookie", accessAny, a.logout),
		mk(http.MethodGet, v1+"/me", "getMe", "Who is calling", accessAny, a.me),
	)

	add("tokens",
		mk(http.MethodGet, v1+"/tokens", "listTokens", "List API tokens", accessAdmin, a.listTokens).withQuery(tenantParam),
		mk(http.MethodPost, v1+"/tokens", "createToken", "Create an API token; its plaintext is returned once", accessAdmin, a.createToken),
		mk(http.MethodDelete, v1+"/tokens/{id}", "deleteToken", "Revoke an API token", accessAdmin, a.deleteToken).withQuery(tenantParam),
	)

	add("tenants",
		mk(http.MethodGet, v1+"/tenants", "listTenants", "List tenants", accessPlatform,
			func(ctx context.Context, _ *call, _ *noBody) ([]model.Tenant, error) {
				v, err := a.st.ListTenants(ctx)
				return nonNil(v), err
			}),
		mk(http.MethodPost, v1+"/tenants", "createTenant", "Create a tenant", accessPlatform,
			func(ctx context.Context, _ *call, in *model.Tenant) (model.Tenant, error) {
				t, err := a.st.CreateTenant(ctx, model.Tenant{Slug: in.Slug, Name: in.Name})
				if err == nil {
					a.changed(ctx, Change{Kind: KindTenant, TenantID: t.ID, ID: t.ID})
				}
				return t, err
			}),
		mk(http.MethodGet, v1+"/tenants/{tid}", "getTenant", "Get a tenant", accessPlatform,
			func(ctx context.Context, c *call, _ *noBody) (model.Tenant, error) { return a.st.GetTenant(ctx, c.tid) }),
		mk(http.MethodPut, v1+"/tenants/{tid}", "updateTenant", "Change a tenant's slug and name", accessPlatform,
			func(ctx context.Context, c *call, in *model.Tenant) (model.Tenant, error) {
				if err := a.st.UpdateTenant(ctx, model.Tenant{ID: c.tid, Slug: in.Slug, Name: in.Name}); err != nil {
					return model.Tenant{}, err
				}
				a.changed(ctx, Change{Kind: KindTenant, TenantID: c.tid, ID: c.tid})
				return a.st.GetTenant(ctx, c.tid)
			}),
		mk(http.MethodDelete, v1+"/tenants/{tid}", "deleteTenant", "Delete a tenant that owns nothing any more", accessPlatform,
			func(ctx context.Context, c *call, _ *noBody) (noContent, error) {
				if err := a.st.DeleteTenant(ctx, c.tid); err != nil {
					return noContent{}, err
				}
				a.changed(ctx, Change{Kind: KindTenant, TenantID: c.tid, ID: c.tid, Deleted: true})
				return noContent{}, nil
			}),
	)

	add("", crudRoutes(a, crud[model.Site]{
		plural: "sites", singular: "Site", kind: KindSite,
		list: (*store.Store).ListSites, get: (*store.Store).GetSite, create: (*store.Store).CreateSite,
		update: (*store.Store).UpdateSite, del: (*store.Store).DeleteSite,
		setID: func(v *model.Site, id int64) { v.ID = id }, idOf: func(v model.Site) int64 { return v.ID },
	})...)
	add("", crudRoutes(a, crud[model.Skill]{
		plural: "skills", singular: "Skill", kind: KindSkill,
		list: (*store.Store).ListSkills, get: (*store.Store).GetSkill, create: (*store.Store).CreateSkill,
		update: (*store.Store).UpdateSkill, del: (*store.Store).DeleteSkill,
		setID: func(v *model.Skill, id int64) { v.ID = id }, idOf: func(v model.Skill) int64 { return v.ID },
	})...)
	add("", crudRoutes(a, crud[model.Schedule]{
		plural: "schedules", singular: "Schedule", kind: KindSchedule,
		list: (*store.Store).ListSchedules, get: (*store.Store).GetSchedule, create: (*store.Store).CreateSchedule,
		update: (*store.Store).UpdateSchedule, del: (*store.Store).DeleteSchedule,
		setID: func(v *model.Schedule, id int64) { v.ID = id }, idOf: func(v model.Schedule) int64 { return v.ID },
	})...)
	add("", crudRoutes(a, crud[model.Queue]{
		plural: "queues", singular: "Queue", kind: KindQueue,
		list: (*store.Store).ListQueues, get: (*store.Store).GetQueue, create: (*store.Store).CreateQueue,
		update: (*store.Store).UpdateQueue, del: (*store.Store).DeleteQueue,
		setID: func(v *model.Queue, id int64) { v.ID = id }, idOf: func(v model.Queue) int64 { return v.ID },
	})...)
	add("", crudRoutes(a, crud[model.CannedResponse]{
		plural: "canned-responses", singular: "CannedResponse", kind: KindCanned,
		list: (*store.Store).ListCannedResponses, get: (*store.Store).GetCannedResponse, create: (*store.Store).CreateCannedResponse,
		update: (*store.Store).UpdateCannedResponse, del: (*store.Store).DeleteCannedResponse,
		setID: func(v *model.CannedResponse, id int64) { v.ID = id }, idOf: func(v model.CannedResponse) int64 { return v.ID },
	})...)
	add("", crudRoutes(a, crud[model.Agent]{
		plural: "agents", singular: "Agent", kind: KindAgent,
		list: (*store.Store).ListAgents, get: (*store.Store).GetAgent, create: (*store.Store).CreateAgent,
		update: (*store.Store).UpdateAgent, del: (*store.Store).DeleteAgent,
		setID: func(v *model.Agent, id int64) { v.ID = id }, idOf: func(v model.Agent) int64 { return v.ID },
	})...)
	add("", crudRoutes(a, crud[model.EntryPoint]{
		plural: "entry-points", singular: "EntryPoint", kind: KindEntryPoint,
		list: (*store.Store).ListEntryPoints, get: (*store.Store).GetEntryPoint, create: (*store.Store).CreateEntryPoint,
		update: (*store.Store).UpdateEntryPoint, del: (*store.Store).DeleteEntryPoint,
		setID: func(v *model.EntryPoint, id int64) { v.ID = id }, idOf: func(v model.EntryPoint) int64 { return v.ID },
	})...)

	users := v1 + "/tenants/{tid}/users"
	add("users",
		mk(http.MethodGet, users, "listUsers", "List the tenant's users", accessTenantAdmin,
			func(ctx context.Context, c *call, _ *noBody) ([]model.User, error) {
				if err := a.auditRead(ctx, c, "listUsers", "users"); err != nil {
					return nil, err
				}
				v, err := a.st.ListUsers(ctx, &c.tid)
				return nonNil(v), err
			}),
		mk(http.MethodPost, users, "createUser", "Create a user of the tenant, with an optional password", accessTenantAdmin, a.createUser),
		mk(http.MethodGet, users+"/{id}", "getUser", "Get a user", accessTenantAdmin,
			func(ctx context.Context, c *call, _ *noBody) (model.User, error) {
				if err := a.auditRead(ctx, c, "getUser", "users"); err != nil {
					return model.User{}, err
				}
				return a.st.GetUser(ctx, &c.tid, c.id)
			}),
		mk(http.MethodPut, users+"/{id}", "updateUser", "Change a user's login, display name, role and agent", accessTenantAdmin,
			func(ctx context.Context, c *call, in *model.User) (model.User, error) {
				in.ID = c.id
				if err := a.st.UpdateUser(ctx, &c.tid, *in); err != nil {
					return model.User{}, err
				}
				a.revoke(ctx, c.tid, c.id, false, "")
				return a.st.GetUser(ctx, &c.tid, c.id)
			}),
		mk(http.MethodDelete, users+"/{id}", "deleteUser", "Delete a user and close its sessions", accessTenantAdmin,
			func(ctx context.Context, c *call, _ *noBody) (noContent, error) {
				if err := a.st.DeleteUser(ctx, &c.tid, c.id); err != nil {
					return noContent{}, err
				}
				if err := a.sessions.deleteUser(ctx, c.id, ""); err != nil {
					return noContent{}, err
				}
				a.revoke(ctx, c.tid, c.id, true, "")
				return noContent{}, nil
			}),
		mk(http.MethodPost, users+"/{id}/password", "setUserPassword", "Set a user's password; closes the user's other sessions", accessTenantAdmin,
			func(ctx context.Context, c *call, in *PasswordRequest) (noContent, error) {
				if err := a.st.SetPassword(ctx, &c.tid, c.id, in.Password); err != nil {
					return noContent{}, err
				}
				keep := ""
				if c.p.session != nil {
					keep = c.p.session.id
				}
				if err := a.sessions.deleteUser(ctx, c.id, keep); err != nil {
					return noContent{}, err
				}
				a.revoke(ctx, c.tid, c.id, false, keep)
				return noContent{}, nil
			}),
	)

	interactions := v1 + "/tenants/{tid}/interactions/{id}"
	add("interactions",
		mk(http.MethodGet, interactions, "getInteraction", "Get an interaction (read only)", accessTenantInteractions,
			func(ctx context.Context, c *call, _ *noBody) (model.Interaction, error) {
				if err := a.auditRead(ctx, c, "getInteraction", "interactions"); err != nil {
					return model.Interaction{}, err
				}
				return a.st.GetInteraction(ctx, c.tid, c.id)
			}),
		mk(http.MethodGet, interactions+"/messages", "listInteractionMessages", "List an interaction's chat messages (read only)", accessTenantInteractions,
			func(ctx context.Context, c *call, _ *noBody) ([]model.Message, error) {
				after := int64(0)
				if s := c.r.URL.Query().Get("after_seq"); s != "" {
					v, err := strconv.ParseInt(s, 10, 64)
					if err != nil || v < 0 {
						return nil, apiErr(CodeBadRequest, "query parameter after_seq must be a non-negative integer (got %q)", s)
					}
					after = v
				}
				if err := a.auditRead(ctx, c, "listInteractionMessages", "messages"); err != nil {
					return nil, err
				}
				v, err := a.st.ListMessages(ctx, c.tid, c.id, after)
				return nonNil(v), err
			}).withQuery(param{name: "after_seq", description: "only messages with a greater seq (default 0: all)"}),
	)
	add("planning", a.planningRoutes(v1)...)
	add("voice", a.voiceRoutes(v1)...)
	add("supervision", a.wallboardRoutes(v1)...)
	add("reports", a.reportRoutes(v1)...)
	add("supervision", a.superviseRoutes(v1)...)
	add("supervision", a.watchRoutes(v1)...)
	add("audit", a.auditRoutes(v1)...)
	add("audit", a.erasureRoutes(v1)...)
	add("admin", a.adminRoutes(v1)...)
	add("users", a.pseudonymRoutes(v1)...)
	add("workforce", a.workforceRoutes(v1)...)
	add("billing", a.billingRoutes(v1)...)
	add("commitments", a.commitmentRoutes(v1)...)
	add("cluster", a.clusterRoutes(v1)...)

	return rs
}

// revoke ends at once what user userID of tenant tid had open: the event
// streams check their credential again, the change goes to OnChange (the
// live center closes the user's agent sockets) and to the other nodes
// (OnRevoke); keep is the session the user keeps ("" for none).
func (a *API) revoke(ctx context.Context, tid, userID int64, deleted bool, keep string) {
	a.revoked.fire()
	a.changed(ctx, Change{Kind: KindUser, TenantID: tid, ID: userID, Deleted: deleted})
	a.tellRevoked(ctx, Revocation{TenantID: tid, UserID: userID, Keep: hashOf(keep), Deleted: deleted})
}

// audit logs who read a customer's data (GDPR: who saw what).
func (a *API) audit(ctx context.Context, c *call, what string) {
	a.log.InfoContext(ctx, "audit: "+what, "by", c.p.describe(), "tenant", c.tid, "id", c.id, "request_id", requestID(ctx))
}

func (a *API) createUser(ctx context.Context, c *call, in *UserInput) (model.User, error) {
	if in.Password != "" {
		if err := model.ValidatePassword(in.Password); err != nil {
			return model.User{}, err
		}
	}
	u, err := a.st.CreateUser(ctx, &c.tid, in.User)
	if err != nil {
		return model.User{}, err
	}
	if in.Password != "" {
		if err := a.st.SetPassword(ctx, &c.tid, u.ID, in.Password); err != nil {
			return model.User{}, err
		}
	}
	a.changed(ctx, Change{Kind: KindUser, TenantID: c.tid, ID: u.ID})
	return u, nil
}

// clientIP is the connection's address; proxies' headers are not trusted.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (a *API) login(ctx context.Context, c *call, in *LoginRequest) (LoginResponse, error) {
	if in.Login == "" {
		return LoginResponse{}, fieldErr(CodeValidationFailed, "login", "must not be empty")
	}
	if in.Password == "" {
		return LoginResponse{}, fieldErr(CodeValidationFailed, "password", "must not be empty")
	}
	if len(in.Login) > loginguard.MaxLoginBytes {
		return LoginResponse{}, fieldErr(CodeValidationFailed, "login", "is at most %d bytes", loginguard.MaxLoginBytes)
	}
	if len(in.Password) > loginguard.MaxPasswordBytes {
		return LoginResponse{}, fieldErr(CodeValidationFailed, "password", "is at most %d bytes", loginguard.MaxPasswordBytes)
	}
	var u model.User
	err := a.logins.Check(ctx, c.r.RemoteAddr, in.Login, func(ctx context.Context) error {
		var err error
		u, err = a.st.CheckPassword(ctx, in.Login, in.Password)
		return err
	})
	if r, ok := loginguard.AsRefused(err); ok {
		c.w.Header().Set("Retry-After", strconv.Itoa(r.Seconds()))
		a.log.InfoContext(ctx, "audit: sign-in refused", "login", in.Login, "ip", clientIP(c.r), "reason", r.Reason, "request_id", requestID(ctx))
		return LoginResponse{}, apiErr(CodeRateLimited, "%s; retry in %d s", r.Reason, r.Seconds())
	}
	if err != nil {
		if errors.Is(err, store.ErrInvalidCredentials) {
			a.log.InfoContext(ctx, "audit: failed sign-in", "login", in.Login, "ip", clientIP(c.r), "request_id", requestID(ctx))
		}
		return LoginResponse{}, err
	}
	if old, err := c.r.Cookie(SessionCookie); err == nil && old.Value != "" {
		if err := a.sessions.delete(ctx, old.Value); err != nil {
			return LoginResponse{}, err
		}
		a.tellRevoked(ctx, Revocation{Session: hashOf(old.Value)})
	}
	s, err := a.sessions.create(ctx, u)
	if err != nil {
		return LoginResponse{}, err
	}
	http.SetCookie(c.w, a.sessionCookie(s.id, int(s.expires.Sub(a.now()).Seconds())))
	signedIn := *c
	signedIn.p = &principal{TenantID: u.TenantID, Role: u.Role, User: &u}
	if err := a.record(ctx, &signedIn, signedIn.p.describe(), "login", "session"); err != nil {
		a.log.ErrorContext(ctx, "audit log", "request_id", requestID(ctx), "err", err)
	}
	a.log.InfoContext(ctx, "audit: signed in", "user", u.ID, "login", u.Login, "ip", clientIP(c.r), "request_id", requestID(ctx))
	return LoginResponse{User: u, CSRFToken: s.csrf}, nil
}

func (a *API) logout(ctx context.Context, c *call, _ *noBody) (noContent, error) {
	if c.p.session != nil {
		if err := a.sessions.delete(ctx, c.p.session.id); err != nil {
			return noContent{}, err
		}
		a.revoked.fire()
		a.tellRevoked(ctx, Revocation{Session: hashOf(c.p.session.id)})
	}
	http.SetCookie(c.w, a.sessionCookie("", -1))
	return noContent{}, nil
}

func (a *API) me(_ context.Context, c *call, _ *noBody) (Me, error) {
	m := Me{User: c.p.User, Token: c.p.Token, TenantID: c.p.TenantID, Role: c.p.Role, PlatformAdmin: c.p.platformAdmin()}
	if c.p.session != nil {
		m.CSRFToken = c.p.session.csrf
	}
	return m, nil
}

// tokenScope is the tenant whose tokens the caller addresses: a platform
// admin names it (nil: platform tokens), a tenant admin has only its own.
func tokenScope(p *principal, asked *int64) (*int64, error) {
	if p.platformAdmin() {
		return asked, nil
	}
	if p.TenantID == nil || (asked != nil && *asked != *p.TenantID) {
		return nil, apiErr(CodeNotFound, "no such tenant")
	}
	return p.TenantID, nil
}

func (a *API) listTokens(ctx context.Context, c *call, _ *noBody) ([]model.APIToken, error) {
	asked, err := queryID(c.r, "tenant_id")
	if err != nil {
		return nil, err
	}
	scope, err := tokenScope(c.p, asked)
	if err != nil {
		return nil, err
	}
	v, err := a.st.ListTokens(ctx, scope)
	return nonNil(v), err
}

func (a *API) createToken(ctx context.Context, c *call, in *TokenRequest) (CreatedToken, error) {
	scope, err := tokenScope(c.p, in.TenantID)
	if err != nil {
		return CreatedToken{}, err
	}
	t, plaintext, err := a.st.CreateToken(ctx, scope, in.Name)
	if err != nil {
		return CreatedToken{}, err
	}
	a.log.InfoContext(ctx, "audit: token created", "by", c.p.describe(), "token", t.ID, "request_id", requestID(ctx))
	return CreatedToken{APIToken: t, Token: plaintext}, nil
}

func (a *API) deleteToken(ctx context.Context, c *call, _ *noBody) (noContent, error) {
	asked, err := queryID(c.r, "tenant_id")
	if err != nil {
		return noContent{}, err
	}
	scope, err := tokenScope(c.p, asked)
	if err != nil {
		return noContent{}, err
	}
	if err := a.st.DeleteToken(ctx, scope, c.id); err != nil {
		return noContent{}, err
	}
	a.revoked.fire() // streams opened with the token end now
	a.tellRevoked(ctx, Revocation{TokenID: c.id})
	a.log.InfoContext(ctx, "audit: token revoked", "by", c.p.describe(), "token", c.id, "request_id", requestID(ctx))
	return noContent{}, nil
}
