package arm

import (
	"net/http"
	"net/url"
	"strconv"
)

// SetListPageSize changes how many resources a list call answers per page
// (Options.ListPageSize); zero puts every resource in one page.
func (s *Server) SetListPageSize(n int) { s.pageSize.Store(int64(n)) }

// skipToken is the query parameter a nextLink carries, as ARM's do: an
// opaque token the client sends back unchanged. Here it is the index of the
// page's first resource.
const skipToken = "$skiptoken"

// WriteList answers a list call as ARM does: {"value":[...]}, one page of
// items at a time, with "nextLink" the absolute URL of the next page (the
// same path and api-version, and a $skiptoken) while more remain. The SDK
// pagers follow nextLink as it is.
func (s *Server) WriteList(w http.ResponseWriter, req *Request, items []any) {
	start := 0
	if t := req.URL.Query().Get(skipToken); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 || n > len(items) {
			WriteError(w, http.StatusBadRequest, "InvalidSkipToken", "The provided skip token '"+t+"' is not valid.")
			return
		}
		start = n
	}
	end := len(items)
	if size := int(s.pageSize.Load()); size > 0 && start+size < end {
		end = start + size
	}
	page := map[string]any{"value": append([]any{}, items[start:end]...)}
	if end < len(items) {
		q := url.Values{}
		q.Set("api-version", req.APIVersion)
		q.Set(skipToken, strconv.Itoa(end))
		page["nextLink"] = req.BaseURL + req.URL.Path + "?" + q.Encode()
	}
	WriteJSON(w, http.StatusOK, page)
}

// listOf is items as WriteList takes them.
func listOf[T any](items []T) []any {
	out := make([]any, len(items))
	for i, r := range items {
		out[i] = r
	}
	return out
}
