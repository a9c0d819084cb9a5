// Package roster is the Go client of roster, a multi-tenant user directory
// served over gRPC (service roster.v1.UserService).
//
// The generated messages and the generated UserServiceClient live in package
// rosterv1 (github.com/roster-dev/roster/clients/go/gen/roster/v1). This
// package adds only what every caller needs: a connection that sends an
// access key on every call (metadata "authorization: Bearer <key>"), optional
// impersonation (metadata "x-roster-impersonate-user: <user id>") and a
// default per-call deadline.
//
//	c, err := roster.Dial("127.0.0.1:50051", key)
//	if err != nil { ... }
//	defer c.Close()
//	me, err := c.GetInfo(ctx, &rosterv1.GetUserInfoRequest{})
//
// Errors are the usual gRPC status errors: read them with status.Code(err)
// and status.FromError(err) (package google.golang.org/grpc/status).
package roster

import (
	"context"
	"errors"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	rosterv1 "github.com/roster-dev/roster/clients/go/gen/roster/v1"
)

// Metadata keys roster reads from every call.
const (
	// AuthorizationHeader carries "Bearer <access key>".
	AuthorizationHeader = "authorization"
	// ImpersonationHeader makes a call act as the user it names.
	ImpersonationHeader = "x-roster-impersonate-user"
)

// DefaultTimeout is the deadline Dial gives every call whose context has
// none, unless WithTimeout says otherwise.
const DefaultTimeout = 10 * time.Second

// Client is a connection to roster. Its methods are those of the generated
// rosterv1.UserServiceClient; every call carries the client's access key,
// its impersonated user (if any) and, when the call's context has no
// deadline, the client's default timeout. A Client is safe for concurrent
// use; Close it when done.
type Client struct {
	rosterv1.UserServiceClient
	conn *grpc.ClientConn
}

// Option configures Dial.
type Option func(*options)

type options struct {
	impersonate string
	timeout     time.Duration
	dialOptions []grpc.DialOption
}

// WithImpersonation makes every call of the client act as the user with
// this id (metadata x-roster-impersonate-user). The key's owner must be
// allowed to impersonate that user, else calls fail with PERMISSION_DENIED.
// A single call can name another user by putting ImpersonationHeader in its
// outgoing context metadata, which then takes precedence.
func WithImpersonation(userID string) Option {
	return func(o *options) { o.impersonate = userID }
}

// WithTimeout sets the deadline given to every call whose context has no
// deadline of its own (DefaultTimeout if not set). A context deadline, even a
// longer one, always wins. Zero or negative disables the default: such calls
// then get the server's maximum (30 s unless configured otherwise).
func WithTimeout(d time.Duration) Option {
	return func(o *options) { o.timeout = d }
}

// WithDialOptions passes options to grpc.NewClient after the client's own,
// e.g. grpc.WithTransportCredentials(credentials.NewTLS(cfg)) to use TLS
// instead of the default plaintext connection. Interceptors given here are
// kept alongside the client's own (which adds the key, impersonation and
// default deadline): grpc.WithChainUnaryInterceptor ones run after it and
// see what it added; a grpc.WithUnaryInterceptor one runs before it.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(o *options) { o.dialOptions = append(o.dialOptions, opts...) }
}

// Dial returns a client of the roster server at addr (host:port, or any
// target grpc.NewClient accepts) that authenticates every call with key.
// It does not wait for the connection: that is made on the first call, and a
// server that cannot be reached shows up as that call's UNAVAILABLE (or
// DEADLINE_EXCEEDED) error. The connection is plaintext unless
// WithDialOptions sets transport credentials.
func Dial(addr, key string, opts ...Option) (*Client, error) {
	if key == "" {
		return nil, errors.New("roster: empty access key")
	}
	o := options{timeout: DefaultTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	dialOpts := append([]grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithChainUnaryInterceptor(o.interceptor("Bearer " + key)),
	}, o.dialOptions...)
	conn, err := grpc.NewClient(addr, dialOpts...)
	if err != nil {
		return nil, err
	}
	return &Client{UserServiceClient: rosterv1.NewUserServiceClient(conn), conn: conn}, nil
}

// Conn returns the client's gRPC connection, e.g. for the health service.
func (c *Client) Conn() *grpc.ClientConn { return c.conn }

// Close closes the connection; calls in flight fail with CANCELED.
func (c *Client) Close() error { return c.conn.Close() }

// interceptor adds the key, the impersonation and the default deadline to
// every unary call. Metadata the call's context already carries under the
// same key (a per-call key or impersonation) is left alone, never doubled.
func (o options) interceptor(bearer string) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn,
		invoker grpc.UnaryInvoker, callOpts ...grpc.CallOption) error {
		var md []string
		if !hasOutgoing(ctx, AuthorizationHeader) {
			md = append(md, AuthorizationHeader, bearer)
		}
		if o.impersonate != "" && !hasOutgoing(ctx, ImpersonationHeader) {
			md = append(md, ImpersonationHeader, o.impersonate)
		}
		if len(md) > 0 {
			ctx = metadata.AppendToOutgoingContext(ctx, md...)
		}
		if _, ok := ctx.Deadline(); !ok && o.timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, o.timeout)
			defer cancel()
		}
		return invoker(ctx, method, req, reply, cc, callOpts...)
	}
}

func hasOutgoing(ctx context.Context, key string) bool {
	md, _ := metadata.FromOutgoingContext(ctx)
	return len(md.Get(key)) > 0
}
