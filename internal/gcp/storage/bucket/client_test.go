package bucket

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/option"
	storagev1 "google.golang.org/api/storage/v1"
)

// TestClientRetries checks the JSON API client retries as the Cloud
// Storage client library did: a few attempts at a throttled or failed call
// that is safe to repeat, none at a patch without its precondition, and a
// listing page by page.
func TestClientRetries(t *testing.T) {
	cases := map[string]struct {
		reason    string
		status    []int // answers in turn; 200 after them
		call      func(context.Context, Client) error
		wantCalls int
		wantCode  int // of the error; 0: none
	}{
		"RetriedUntilDone": {
			reason:    "A 503 and a 429 are retried, and the third attempt succeeds.",
			status:    []int{503, 429},
			call:      func(ctx context.Context, c Client) error { _, err := c.Attrs(ctx, "b"); return err },
			wantCalls: 3,
		},
		"GivesUpAfterThree": {
			reason:    "Three throttled attempts end the call with Google's error.",
			status:    []int{429, 429, 429, 429},
			call:      func(ctx context.Context, c Client) error { return c.Create(ctx, "p", "b", &storagev1.Bucket{}) },
			wantCalls: 3,
			wantCode:  429,
		},
		"NotRetried": {
			reason:    "A 409 is an answer, not a failure.",
			status:    []int{409},
			call:      func(ctx context.Context, c Client) error { return c.Delete(ctx, "b") },
			wantCalls: 1,
			wantCode:  409,
		},
		"PatchWithoutPrecondition": {
			reason: "A patch without a metageneration precondition is not repeated.",
			status: []int{503},
			call: func(ctx context.Context, c Client) error {
				_, err := c.Update(ctx, "b", 0, &storagev1.Bucket{})
				return err
			},
			wantCalls: 1,
			wantCode:  503,
		},
		"PatchWithPrecondition": {
			reason: "A patch with its precondition is.",
			status: []int{503},
			call: func(ctx context.Context, c Client) error {
				_, err := c.Update(ctx, "b", 4, &storagev1.Bucket{})
				return err
			},
			wantCalls: 2,
		},
		"NotFound": {
			reason:    "A bucket Google does not have reads as not found.",
			status:    []int{404},
			call:      func(ctx context.Context, c Client) error { _, err := c.Attrs(ctx, "b"); return err },
			wantCalls: 1,
			wantCode:  404,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				n := calls
				calls++
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				if n < len(tc.status) {
					w.WriteHeader(tc.status[n])
					fmt.Fprintf(w, `{"error":{"code":%d,"message":"answer %d"}}`, tc.status[n], n)
					return
				}
				fmt.Fprint(w, `{"name":"b"}`)
			}))
			defer srv.Close()
			ctx := context.Background()
			s, err := storagev1.NewService(ctx, option.WithEndpoint(srv.URL+"/storage/v1/"), option.WithoutAuthentication())
			if err != nil {
				t.Fatal(err)
			}
			err = tc.call(ctx, Client{s})
			mu.Lock()
			defer mu.Unlock()
			if calls != tc.wantCalls {
				t.Errorf("%s\n%d calls, want %d", tc.reason, calls, tc.wantCalls)
			}
			if code(err) != tc.wantCode {
				t.Errorf("%s\nerror %v (code %d), want code %d", tc.reason, err, code(err), tc.wantCode)
			}
			if tc.wantCode == 404 && !isNotFound(err) {
				t.Errorf("%s\n%v is not a bucket not found", tc.reason, err)
			}
		})
	}
}

// TestClientListRetriesAPage checks a listing follows every page, and that
// a page that fails is asked for again by its token, not the listing from
// its start.
func TestClientListRetriesAPage(t *testing.T) {
	var mu sync.Mutex
	var tokens []string
	failed := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("pageToken")
		mu.Lock()
		tokens = append(tokens, tok)
		fail := tok == "2" && !failed
		failed = failed || fail
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("projection") != "full" || r.URL.Query().Get("project") != "p" {
			t.Errorf("list %s: want the full projection of project p", r.URL.RawQuery)
		}
		switch {
		case fail:
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"error":{"code":503,"message":"try again"}}`)
		case tok == "":
			fmt.Fprint(w, `{"items":[{"name":"a"}],"nextPageToken":"2"}`)
		case tok == "2":
			fmt.Fprint(w, `{"items":[{"name":"b"}],"nextPageToken":"3"}`)
		default:
			fmt.Fprint(w, `{"items":[{"name":"c"}]}`)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	s, err := storagev1.NewService(ctx, option.WithEndpoint(srv.URL+"/storage/v1/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	bs, err := Client{s}.List(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range bs {
		names = append(names, b.Name)
	}
	if diff := cmp.Diff("a b c", strings.Join(names, " ")); diff != "" {
		t.Errorf("buckets listed: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff([]string{"", "2", "2", "3"}, tokens); diff != "" {
		t.Errorf("page tokens asked for: -want +got:\n%s", diff)
	}
}
