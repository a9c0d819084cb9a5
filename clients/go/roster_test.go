package roster_test

// These tests run against a live roster server: scripts/with-server starts
// one and sets ROSTER_ADDR and ROSTER_ADMIN_KEY (the bootstrap key of
// super-admin `admin`). Without those variables the run fails, it does not
// skip. Every test makes its own organization, tenant and users with ids
// unique to the run, so the tests are independent of each other and of
// whatever the server already holds.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	roster "github.com/roster-dev/roster/clients/go"
	rosterv1 "github.com/roster-dev/roster/clients/go/gen/roster/v1"
)

var addr, adminKey string

func TestMain(m *testing.M) {
	addr, adminKey = os.Getenv("ROSTER_ADDR"), os.Getenv("ROSTER_ADMIN_KEY")
	if addr == "" || adminKey == "" {
		fmt.Fprintln(os.Stderr, "FAIL: ROSTER_ADDR and ROSTER_ADMIN_KEY must name a running roster server "+
			"and its admin key; run the tests through scripts/with-server clients/go/test.sh")
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// selfPermissions are every user's permissions.
var selfPermissions = []string{"self:access-keys", "self:config", "self:read"}

// uniq returns prefix followed by random hex, an id no other test uses.
func uniq(prefix string) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return prefix + "-" + hex.EncodeToString(b)
}

func dial(t *testing.T, key string, opts ...roster.Option) *roster.Client {
	t.Helper()
	c, err := roster.Dial(addr, key, opts...)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// wantCode fails unless err is a gRPC status error with code want.
func wantCode(t *testing.T, err error, want codes.Code) *status.Status {
	t.Helper()
	if err == nil {
		t.Fatalf("got success, want %v", want)
	}
	st, ok := status.FromError(err)
	if !ok {
		t.Fatalf("got non-status error %T %v, want %v", err, err, want)
	}
	if st.Code() != want {
		t.Fatalf("got %v (%q), want %v", st.Code(), st.Message(), want)
	}
	return st
}

func createOrg(t *testing.T, admin *roster.Client, prefix string) string {
	t.Helper()
	id := uniq(prefix)
	if _, err := admin.CreateOrganization(ctx(t), &rosterv1.CreateOrganizationRequest{
		Organization: &rosterv1.Organization{Id: id, Name: "Org " + id},
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

func createUser(t *testing.T, admin *roster.Client, user *rosterv1.User) {
	t.Helper()
	if _, err := admin.CreateUser(ctx(t), &rosterv1.CreateUserRequest{User: user}); err != nil {
		t.Fatal(err)
	}
}

// issueKey creates the user's first access key the way an admin does it:
// with the admin's key, impersonating the user.
func issueKey(t *testing.T, userID, keyName string) *rosterv1.AccessKey {
	t.Helper()
	as := dial(t, adminKey, roster.WithImpersonation(userID))
	resp, err := as.CreateAccessKey(ctx(t), &rosterv1.CreateAccessKeyRequest{Name: keyName})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.AccessKeys) != 1 {
		t.Fatalf("CreateAccessKey returned %d keys, want 1", len(resp.AccessKeys))
	}
	return resp.AccessKeys[0]
}

func userIDs(users []*rosterv1.User) []string {
	ids := make([]string, 0, len(users))
	for _, u := range users {
		ids = append(ids, u.Id)
	}
	return ids
}

// TestUserLifecycle walks the path every integration takes, in order:
// organization -> tenant -> user -> the user's first access key (issued by
// the admin through impersonation) -> GetInfo with that key -> UpdateConfig
// -> paging through ListUsers -> DeleteAccessKey (the key then fails with
// UNAUTHENTICATED) -> DeleteUser (the listing then lacks the user).
func TestUserLifecycle(t *testing.T) {
	admin := dial(t, adminKey)
	var (
		orgID, tenantID string
		userID          = uniq("alice")
		key             *rosterv1.AccessKey
		alice           *roster.Client
		others          []string
	)
	parent := t
	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, f) {
			t.FailNow()
		}
	}

	step("CreateOrganization", func(t *testing.T) {
		orgID = createOrg(t, admin, "lifecycle")
	})
	step("CreateTenant", func(t *testing.T) {
		tenantID = uniq("eu")
		if _, err := admin.CreateTenant(ctx(t), &rosterv1.CreateTenantRequest{
			Tenant: &rosterv1.Tenant{Id: tenantID, Name: "Europe", OrgId: orgID},
		}); err != nil {
			t.Fatal(err)
		}
		got, err := admin.ListTenants(ctx(t), &rosterv1.ListTenantsRequest{LookupOrgId: orgID})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Tenants) != 1 || got.Tenants[0].Id != tenantID || got.Tenants[0].OrgId != orgID ||
			got.Tenants[0].Name != "Europe" {
			t.Fatalf("ListTenants = %v, want the one tenant %s", got.Tenants, tenantID)
		}
	})
	step("CreateUser", func(t *testing.T) {
		vars, err := structpb.NewStruct(map[string]any{"team": "payments"})
		if err != nil {
			t.Fatal(err)
		}
		createUser(t, admin, &rosterv1.User{
			Id: userID, Name: "Alice", Email: "alice@acme.example", TenantId: tenantID,
			Roles: []string{"tenant-admin", "app:billing"}, Variables: vars,
		})
	})
	step("CreateAccessKey", func(t *testing.T) {
		key = issueKey(t, userID, "laptop")
		if key.UserId != userID || key.Name != "laptop" || key.CreatedAt <= 0 {
			t.Fatalf("key = {user_id %q, name %q, created_at %d}", key.UserId, key.Name, key.CreatedAt)
		}
		if len(key.AccessKey) != 52 || key.AccessKey[:3] != "rk_" {
			t.Fatalf("secret %d characters with prefix %q, want rk_ + 49", len(key.AccessKey), key.AccessKey[:3])
		}
		alice = dial(parent, key.AccessKey) // used by later steps: closed with the parent test
	})
	step("GetInfo", func(t *testing.T) {
		me, err := alice.GetInfo(ctx(t), &rosterv1.GetUserInfoRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if me.Id != userID || me.Name != "Alice" || me.Email != "alice@acme.example" {
			t.Fatalf("GetInfo = {id %q, name %q, email %q}", me.Id, me.Name, me.Email)
		}
		if want := []string{"tenant-admin", "app:billing"}; !reflect.DeepEqual(me.Roles, want) {
			t.Fatalf("roles = %q, want %q", me.Roles, want)
		}
		want := []string{"self:access-keys", "self:config", "self:read", "tenants:read", "users:read", "users:write"}
		if !reflect.DeepEqual(me.Permissions, want) {
			t.Fatalf("permissions = %q, want %q", me.Permissions, want)
		}
	})
	step("UpdateConfig", func(t *testing.T) {
		updated, err := structpb.NewStruct(map[string]any{
			"theme": "dark", "pageSize": 50, "beta": true, "layout": map[string]any{"columns": []any{"id", "name"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := alice.UpdateConfig(ctx(t), &rosterv1.UpdateConfigRequest{Updated: updated})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{
			"theme": "dark", "pageSize": float64(50), "beta": true, "layout": map[string]any{"columns": []any{"id", "name"}},
		}
		if !reflect.DeepEqual(got.Configs.AsMap(), want) {
			t.Fatalf("configs = %v, want %v", got.Configs.AsMap(), want)
		}
		// A merge and a delete in one call; the answer is the whole config.
		updated, err = structpb.NewStruct(map[string]any{"theme": "light"})
		if err != nil {
			t.Fatal(err)
		}
		got, err = alice.UpdateConfig(ctx(t), &rosterv1.UpdateConfigRequest{
			Updated: updated, Deleted: []string{"beta", "absent"},
		})
		if err != nil {
			t.Fatal(err)
		}
		want = map[string]any{
			"theme": "light", "pageSize": float64(50), "layout": map[string]any{"columns": []any{"id", "name"}},
		}
		if !reflect.DeepEqual(got.Configs.AsMap(), want) {
			t.Fatalf("configs = %v, want %v", got.Configs.AsMap(), want)
		}
	})
	step("ListUsers paging", func(t *testing.T) {
		// Four more users make five in the organization; ids sort after
		// and before alice's so the pages interleave.
		for _, p := range []string{"bob", "carol", "aaron", "zoe"} {
			id := uniq(p)
			createUser(t, admin, &rosterv1.User{Id: id, Name: p, TenantId: tenantID, Roles: []string{"user"}})
			others = append(others, id)
		}
		want := append([]string{userID}, others...)
		slices.Sort(want)

		var pages [][]string
		token := ""
		for i := 0; ; i++ {
			if i == 10 {
				t.Fatalf("more than 10 pages: %v", pages)
			}
			resp, err := admin.ListUsers(ctx(t), &rosterv1.ListUsersRequest{
				LookupOrgId: orgID, PageSize: 2, PageToken: token,
			})
			if err != nil {
				t.Fatal(err)
			}
			pages = append(pages, userIDs(resp.Users))
			token = resp.NextPageToken
			if token == "" {
				break
			}
		}
		wantPages := [][]string{want[0:2], want[2:4], want[4:5]}
		if !reflect.DeepEqual(pages, wantPages) {
			t.Fatalf("pages = %q, want %q", pages, wantPages)
		}
	})
	step("DeleteAccessKey", func(t *testing.T) {
		if _, err := alice.DeleteAccessKey(ctx(t), &rosterv1.DelAccessKeyRequest{Names: []string{"laptop"}}); err != nil {
			t.Fatal(err)
		}
		_, err := alice.GetInfo(ctx(t), &rosterv1.GetUserInfoRequest{})
		wantCode(t, err, codes.Unauthenticated)
	})
	step("DeleteUser", func(t *testing.T) {
		if _, err := admin.DeleteUser(ctx(t), &rosterv1.DeleteUserRequest{Id: userID}); err != nil {
			t.Fatal(err)
		}
		resp, err := admin.ListUsers(ctx(t), &rosterv1.ListUsersRequest{LookupOrgId: orgID})
		if err != nil {
			t.Fatal(err)
		}
		want := append([]string(nil), others...)
		slices.Sort(want)
		if got := userIDs(resp.Users); !reflect.DeepEqual(got, want) {
			t.Fatalf("ListUsers after DeleteUser = %q, want %q", got, want)
		}
		if resp.NextPageToken != "" {
			t.Fatalf("next_page_token = %q, want empty", resp.NextPageToken)
		}
	})
}

// TestPermissionDenied: a plain user calling CreateOrganization (super-admin
// only) gets PERMISSION_DENIED, with roster's ErrorInfo detail.
func TestPermissionDenied(t *testing.T) {
	admin := dial(t, adminKey)
	orgID := createOrg(t, admin, "denied")
	userID := uniq("plain")
	createUser(t, admin, &rosterv1.User{Id: userID, Name: "Plain", OrgId: orgID, Roles: []string{"user"}})
	plain := dial(t, issueKey(t, userID, "k1").AccessKey)

	_, err := plain.CreateOrganization(ctx(t), &rosterv1.CreateOrganizationRequest{
		Organization: &rosterv1.Organization{Id: uniq("nope"), Name: "Nope"},
	})
	st := wantCode(t, err, codes.PermissionDenied)
	var info *errdetails.ErrorInfo
	for _, d := range st.Details() {
		if d, ok := d.(*errdetails.ErrorInfo); ok {
			info = d
		}
	}
	if info == nil || info.Domain != "roster.v1" || info.Reason != "PERMISSION_DENIED" {
		t.Fatalf("ErrorInfo = %v, want domain roster.v1, reason PERMISSION_DENIED (details %v)", info, st.Details())
	}
}

// TestInvalidArgument: CreateUser with id "bad id" gets INVALID_ARGUMENT
// whose google.rpc.BadRequest detail names the field user.id.
func TestInvalidArgument(t *testing.T) {
	admin := dial(t, adminKey)
	_, err := admin.CreateUser(ctx(t), &rosterv1.CreateUserRequest{
		User: &rosterv1.User{Id: "bad id", Name: "Bad"},
	})
	st := wantCode(t, err, codes.InvalidArgument)
	var violations []*errdetails.BadRequest_FieldViolation
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			violations = append(violations, br.GetFieldViolations()...)
		}
	}
	if len(violations) != 1 || violations[0].GetField() != "user.id" || violations[0].GetDescription() == "" {
		t.Fatalf("field violations = %v, want one for user.id (details %v)", violations, st.Details())
	}
}

// TestDeadlineExceeded: a 1 ms per-call deadline on ListUsers ends in
// DEADLINE_EXCEEDED, whichever side notices first. (roster stops 1 ms ahead
// of the caller's deadline, so today the server answers it, before the
// caller's own context has expired.)
func TestDeadlineExceeded(t *testing.T) {
	admin := dial(t, adminKey)
	// Warm the connection so the deadline bounds the call, not the dial.
	if _, err := admin.GetInfo(ctx(t), &rosterv1.GetUserInfoRequest{}); err != nil {
		t.Fatal(err)
	}
	c, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	_, err := admin.ListUsers(c, &rosterv1.ListUsersRequest{})
	wantCode(t, err, codes.DeadlineExceeded)
}

// TestDefaultTimeout: the client's default deadline applies to a call whose
// context has none, and a deadline on the call's context overrides it.
func TestDefaultTimeout(t *testing.T) {
	c := dial(t, adminKey, roster.WithTimeout(time.Nanosecond))
	_, err := c.GetInfo(context.Background(), &rosterv1.GetUserInfoRequest{})
	wantCode(t, err, codes.DeadlineExceeded)

	// The same client, with a per-call deadline instead of the default.
	me, err := c.GetInfo(ctx(t), &rosterv1.GetUserInfoRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if me.Id != "admin" {
		t.Fatalf("GetInfo id = %q, want admin", me.Id)
	}
}

// TestCanceled: a call whose context is canceled fails with CANCELED and
// never reaches the server.
func TestCanceled(t *testing.T) {
	admin := dial(t, adminKey)
	c, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := admin.GetInfo(c, &rosterv1.GetUserInfoRequest{})
	wantCode(t, err, codes.Canceled)
}

// TestPerCallImpersonation: impersonation set on one call's context metadata
// acts as that user, and takes precedence over the client's WithImpersonation.
func TestPerCallImpersonation(t *testing.T) {
	admin := dial(t, adminKey)
	orgID := createOrg(t, admin, "imp")
	u1, u2 := uniq("u1"), uniq("u2")
	for _, id := range []string{u1, u2} {
		createUser(t, admin, &rosterv1.User{Id: id, Name: id, OrgId: orgID, Roles: []string{"user"}})
	}

	call := metadata.AppendToOutgoingContext(ctx(t), roster.ImpersonationHeader, u2)
	me, err := admin.GetInfo(call, &rosterv1.GetUserInfoRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if me.Id != u2 || !reflect.DeepEqual(me.Roles, []string{"user"}) || !reflect.DeepEqual(me.Permissions, selfPermissions) {
		t.Fatalf("GetInfo as %s = {id %q, roles %q, permissions %q}", u2, me.Id, me.Roles, me.Permissions)
	}

	asU1 := dial(t, adminKey, roster.WithImpersonation(u1))
	me, err = asU1.GetInfo(ctx(t), &rosterv1.GetUserInfoRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if me.Id != u1 {
		t.Fatalf("GetInfo with WithImpersonation(%s) = %q", u1, me.Id)
	}
	me, err = asU1.GetInfo(call, &rosterv1.GetUserInfoRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if me.Id != u2 {
		t.Fatalf("per-call impersonation of %s gave %q", u2, me.Id)
	}
}

// TestDialEmptyKey: Dial refuses an empty key instead of sending calls that
// can only fail.
func TestDialEmptyKey(t *testing.T) {
	if _, err := roster.Dial(addr, ""); err == nil {
		t.Fatal("Dial with an empty key succeeded")
	}
}
