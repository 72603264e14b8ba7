package testenv

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// armLike is a local cloud whose protocol says a POST .../listKeys reads,
// as ARM's does.
type armLike struct{ srv *httptest.Server }

func (a *armLike) Name() string { return "azure" }
func (a *armLike) Start(context.Context) (string, error) {
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	return a.srv.URL, nil
}
func (a *armLike) Reset(context.Context) error { return nil }
func (a *armLike) Stop()                       { a.srv.Close() }
func (a *armLike) IsWrite(r *http.Request, c Call) bool {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/listKeys") {
		return false
	}
	return MethodIsWrite(r, c)
}

func TestCloudCountsWritesByItsProtocol(t *testing.T) {
	c, err := StartCloud(context.Background(), &armLike{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	for _, req := range []struct{ method, path string }{
		{http.MethodGet, "/subscriptions/s/resourceGroups/rg"},
		{http.MethodPost, "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a/listKeys"},
		{http.MethodPut, "/subscriptions/s/resourceGroups/rg"},
	} {
		r, _ := http.NewRequest(req.method, c.Counter.URL+req.path, nil)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	var writes []string
	for _, call := range c.Counter.Writes() {
		writes = append(writes, call.Method+" "+call.Path)
	}
	if diff := cmp.Diff([]string{"PUT /subscriptions/s/resourceGroups/rg"}, writes); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
	if n := len(c.Counter.Calls()); n != 3 {
		t.Errorf("%d calls counted, want 3", n)
	}
}
