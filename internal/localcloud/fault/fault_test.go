package fault

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type plainResponder struct{}

func (plainResponder) Throttled(w http.ResponseWriter, _ *http.Request, _ time.Duration) {
	w.WriteHeader(http.StatusTooManyRequests)
}

func (plainResponder) ServerError(w http.ResponseWriter, _ *http.Request) {
	w.WriteHeader(http.StatusInternalServerError)
}

func TestInjector(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	cases := map[string]struct {
		reason     string
		faults     Faults
		path       string
		wantStatus int
		wantRetry  string
		wantStats  Stats
	}{
		"NoFaults": {
			reason:     "Without faults every request reaches the cloud.",
			path:       "/a",
			wantStatus: http.StatusOK,
			wantStats:  Stats{Requests: 1},
		},
		"Throttle": {
			reason:     "A throttled answer carries the advised delay rounded up to whole seconds.",
			faults:     Faults{Throttle: 1, RetryAfter: 1500 * time.Millisecond},
			path:       "/a",
			wantStatus: http.StatusTooManyRequests,
			wantRetry:  "2",
			wantStats:  Stats{Requests: 1, Throttled: 1},
		},
		"ServerError": {
			reason:     "A server error fault answers with the cloud's 5xx.",
			faults:     Faults{ServerError: 1},
			path:       "/a",
			wantStatus: http.StatusInternalServerError,
			wantStats:  Stats{Requests: 1, ServerErrors: 1},
		},
		"NotMatched": {
			reason:     "Requests Match does not select are served normally.",
			faults:     Faults{Throttle: 1, Match: func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/b") }},
			path:       "/a",
			wantStatus: http.StatusOK,
			wantStats:  Stats{Requests: 1},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			i := New(ok, plainResponder{})
			i.Set(tc.faults)
			rec := httptest.NewRecorder()
			i.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
			if rec.Code != tc.wantStatus {
				t.Errorf("%s\nstatus: want %d, got %d", tc.reason, tc.wantStatus, rec.Code)
			}
			if got := rec.Header().Get("Retry-After"); got != tc.wantRetry {
				t.Errorf("%s\nRetry-After: want %q, got %q", tc.reason, tc.wantRetry, got)
			}
			if diff := cmp.Diff(tc.wantStats, i.Stats()); diff != "" {
				t.Errorf("%s\nStats: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestControlHandler(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	i := New(ok, plainResponder{})
	ctl := i.ControlHandler()

	rec := httptest.NewRecorder()
	ctl.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/", strings.NewReader(`{"throttle":1}`)))
	if rec.Code != http.StatusNoContent {
		t.Fatalf("PUT faults: want 204, got %d: %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	i.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/a", nil))
	if rec.Code != http.StatusTooManyRequests {
		t.Errorf("after PUT {throttle: 1}: want 429, got %d", rec.Code)
	}

	rec = httptest.NewRecorder()
	ctl.ServeHTTP(rec, httptest.NewRequest(http.MethodDelete, "/", nil))
	rec = httptest.NewRecorder()
	i.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/a", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("after DELETE: want 200, got %d", rec.Code)
	}

	rec = httptest.NewRecorder()
	ctl.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if want := `{"requests":2,"throttled":1,"serverErrors":0}`; strings.TrimSpace(rec.Body.String()) != want {
		t.Errorf("GET stats: want %s, got %s", want, rec.Body)
	}
}
