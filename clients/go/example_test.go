package roster_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	roster "github.com/roster-dev/roster/clients/go"
	rosterv1 "github.com/roster-dev/roster/clients/go/gen/roster/v1"
)

// The README's example (compiled by go vet and go test, not run: it needs a
// server at a fixed address).
func ExampleDial() {
	c, err := roster.Dial("127.0.0.1:50051", os.Getenv("ROSTER_KEY"))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	me, err := c.GetInfo(context.Background(), &rosterv1.GetUserInfoRequest{}) // 10 s default deadline
	if err != nil {
		log.Fatalf("GetInfo: %v", err)
	}
	fmt.Println(me.Id, me.Roles, me.Permissions)
}

// The README's error-reading example.
func Example_errors() {
	c, err := roster.Dial("127.0.0.1:50051", os.Getenv("ROSTER_KEY"))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = c.CreateUser(ctx, &rosterv1.CreateUserRequest{User: &rosterv1.User{Id: "bad id"}})
	st := status.Convert(err) // nil error: codes.OK
	switch st.Code() {
	case codes.InvalidArgument:
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				for _, v := range br.GetFieldViolations() {
					fmt.Printf("%s: %s\n", v.GetField(), v.GetDescription()) // user.id: must start ...
				}
			}
		}
	case codes.DeadlineExceeded, codes.Canceled:
		fmt.Println("gave up:", st.Message())
	default:
		for _, d := range st.Details() {
			if info, ok := d.(*errdetails.ErrorInfo); ok {
				fmt.Println(st.Code(), info.GetReason()) // e.g. PermissionDenied PERMISSION_DENIED
			}
		}
	}
}
