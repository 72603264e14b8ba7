package testenv

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
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
}

// Write reports whether the call changes state.
func (c Call) Write() bool {
	return c.Method != http.MethodGet && c.Method != http.MethodHead
}

// NewCallCounter proxies to target.
func NewCallCounter(target string) (*CallCounter, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	cc := &CallCounter{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	cc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cc.mu.Lock()
		cc.calls = append(cc.calls, Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery})
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
