package sqlapi

import (
	"context"
	"testing"
	"time"

	"google.golang.org/api/googleapi"
	sqladmin "google.golang.org/api/sqladmin/v1"
)

type fakeLists struct {
	users []*sqladmin.User
	err   error
	calls int
}

func (f *fakeLists) ListUsers(context.Context, string, string) ([]*sqladmin.User, error) {
	f.calls++
	return f.users, f.err
}

func (f *fakeLists) ListDatabases(context.Context, string, string) ([]*sqladmin.Database, error) {
	f.calls++
	return nil, f.err
}

// TestUserLookup checks a user is found in a listing the way users.get
// finds it: by name and host, an empty host being the user without one
// or, failing that, MySQL's name@%.
func TestUserLookup(t *testing.T) {
	f := &fakeLists{users: []*sqladmin.User{
		{Name: "postgres"},
		{Name: "root", Host: "%"},
		{Name: "app", Host: "10.0.0.1"},
		{Name: "both", Host: "%"},
		{Name: "both", Host: ""},
	}}
	l := NewListings()
	cases := []struct {
		name, host string
		found      bool
		wantHost   string
	}{
		{"postgres", "", true, ""},
		{"root", "", true, "%"},
		{"root", "%", true, "%"},
		{"app", "10.0.0.1", true, "10.0.0.1"},
		{"app", "", false, ""},
		{"both", "", true, ""},
		{"nobody", "", false, ""},
	}
	nb := time.Now().Add(-time.Minute)
	for _, tc := range cases {
		u, found, err := l.User(context.Background(), f, "s", "p", "i", tc.name, tc.host, nb)
		if err != nil {
			t.Fatal(err)
		}
		if found != tc.found || (found && u.Host != tc.wantHost) {
			t.Errorf("%s@%q: found %t %+v, want found %t host %q", tc.name, tc.host, found, u, tc.found, tc.wantHost)
		}
	}
	if f.calls != 1 {
		t.Errorf("%d listings for %d lookups, want 1", f.calls, len(cases))
	}
}

// TestMissingInstanceListsNothing checks the databases and users of an
// instance Cloud SQL answers 404 for are a listing that holds nothing, so
// each resource goes on to confirm its own object is gone.
func TestMissingInstanceListsNothing(t *testing.T) {
	f := &fakeLists{err: &googleapi.Error{Code: 404, Message: "The Cloud SQL instance does not exist."}}
	l := NewListings()
	ctx := context.Background()
	if _, found, err := l.Database(ctx, f, "s", "p", "gone", "d", time.Now().Add(-time.Minute)); err != nil || found {
		t.Errorf("database of a missing instance: found %t, %v", found, err)
	}
	if _, found, err := l.User(ctx, f, "s", "p", "gone", "u", "", time.Now().Add(-time.Minute)); err != nil || found {
		t.Errorf("user of a missing instance: found %t, %v", found, err)
	}
	f.err = &googleapi.Error{Code: 500}
	if _, _, err := l.Database(ctx, f, "s", "p", "other", "d", time.Now()); err == nil {
		t.Error("a failed listing was taken as empty")
	}
}
