package testenv

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"
)

// A CallCounter is a reverse proxy in front of a local cloud that counts the
// requests passing through it, so tests can assert what the provider sent.
type CallCounter struct {
	URL string

	srv   *httptest.Server
	mu    sync.Mutex
	calls []Call
}

// A Call is one request the provider made.
type Call struct {
	Method string
	Path   string
	Query  string
	// Form is the parsed body of a form-encoded POST, the AWS Query
	// protocol RDS speaks (Action=..., Version=..., parameters); nil for
	// other requests.
	Form url.Values
	// Body of a JSON request (ARM's PUT, PATCH and POST), so a test can
	// check what an update sent; nil for other requests.
	Body []byte

	write bool
}

// Action is the AWS Query protocol action (e.g. ModifyDBInstance), or "".
func (c Call) Action() string { return c.Form.Get("Action") }

// Write reports whether the call changes state, as the local cloud's
// protocol rules (LocalCloud.IsWrite) judged it.
func (c Call) Write() bool { return c.write }

// MethodIsWrite is the plain REST rule: anything but GET and HEAD writes.
func MethodIsWrite(r *http.Request, _ Call) bool {
	return r.Method != http.MethodGet && r.Method != http.MethodHead
}

// NewCallCounter proxies to target, judging writes with isWrite.
func NewCallCounter(target string, isWrite func(*http.Request, Call) bool) (*CallCounter, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	cc := &CallCounter{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	cc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		call := Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery}
		if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			if f, err := url.ParseQuery(string(body)); err == nil {
				call.Form = f
			}
		}
		if r.Body != nil && strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			call.Body = body
		}
		call.write = isWrite(r, call)
		cc.mu.Lock()
		cc.calls = append(cc.calls, call)
		cc.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	cc.URL = cc.srv.URL
	return cc, nil
}

// Calls returns the calls since the last Reset.
func (cc *CallCounter) Calls() []Call {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return append([]Call(nil), cc.calls...)
}

// Writes returns the state-changing calls since the last Reset.
func (cc *CallCounter) Writes() []Call {
	var w []Call
	for _, c := range cc.Calls() {
		if c.Write() {
			w = append(w, c)
		}
	}
	return w
}

// Reset forgets every call counted so far.
func (cc *CallCounter) Reset() {
	cc.mu.Lock()
	cc.calls = nil
	cc.mu.Unlock()
}

// Close stops the proxy.
func (cc *CallCounter) Close() { cc.srv.Close() }

// WaitFor waits until at least n of the calls counted after the first from
// satisfy match, and returns every call after from. Tests watch a number of
// polls happen this way instead of sleeping for a guessed time.
func (cc *CallCounter) WaitFor(ctx context.Context, timeout time.Duration, from, n int, match func(Call) bool) ([]Call, error) {
	var since []Call
	err := Eventually(ctx, timeout, func() error {
		since = cc.Calls()[from:]
		seen := 0
		for _, c := range since {
			if match(c) {
				seen++
			}
		}
		if seen < n {
			return fmt.Errorf("%d of %d calls seen", seen, n)
		}
		return nil
	})
	return since, err
}
