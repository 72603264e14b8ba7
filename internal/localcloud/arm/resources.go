package arm

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Microsoft.Resources: resource groups. PUT and PATCH are synchronous,
// DELETE is a long-running operation (202 and a Location) during which the
// group shows Deleting, and deleting a group deletes everything in it.

// ResourcesAPIVersions are the api-versions Microsoft.Resources accepts here:
// the one armresources v1.2.0 sends, and its neighbours.
var ResourcesAPIVersions = []string{"2020-06-01", "2021-01-01", "2021-04-01", "2022-09-01", "2024-03-01"}

// ResourceGroupType is the ARM type of a resource group.
const ResourceGroupType = "Microsoft.Resources/resourceGroups"

const groupPath = "/subscriptions/{sub}/resourcegroups/{rg}"

func registerResources(s *Server) {
	v := ResourcesAPIVersions
	s.Handle(http.MethodGet, "/subscriptions/{sub}/resourcegroups", v, s.listGroups)
	s.Handle(http.MethodPut, groupPath, v, s.putGroup)
	s.Handle(http.MethodGet, groupPath, v, s.getGroup)
	s.Handle(http.MethodHead, groupPath, v, s.headGroup)
	s.Handle(http.MethodPatch, groupPath, v, s.patchGroup)
	s.Handle(http.MethodDelete, groupPath, v, s.deleteGroup)
}

// GroupID is the ARM ID of a resource group.
func GroupID(sub, rg string) string {
	return "/subscriptions/" + sub + "/resourceGroups/" + rg
}

// Group returns the resource group a request names ({sub} and {rg}) for a
// request on something inside it, or answers ResourceGroupNotFound (or
// ResourceGroupBeingDeleted for a write) and returns nil.
func (s *Server) Group(w http.ResponseWriter, req *Request) *Resource {
	g := s.Get(GroupID(req.Param("sub"), req.Param("rg")))
	switch {
	case g == nil:
		groupNotFound(w, req.Param("rg"))
		return nil
	case g.Deleting() && isWrite(req.Request):
		WriteError(w, http.StatusConflict, "ResourceGroupBeingDeleted", fmt.Sprintf("The resource group '%s' is in deprovisioning state and cannot perform this operation.", g.Name))
		return nil
	}
	return g
}

func groupNotFound(w http.ResponseWriter, rg string) {
	WriteError(w, http.StatusNotFound, "ResourceGroupNotFound", fmt.Sprintf("Resource group '%s' could not be found.", rg))
}

type groupBody struct {
	Location  string            `json:"location"`
	Tags      map[string]string `json:"tags"`
	ManagedBy *string           `json:"managedBy"`
}

func (s *Server) putGroup(w http.ResponseWriter, req *Request) {
	var in groupBody
	if !req.Decode(w, &in) {
		return
	}
	rg := req.Param("rg")
	if !validGroupName(rg) {
		WriteError(w, http.StatusBadRequest, "InvalidResourceGroupName", fmt.Sprintf("The resource group name '%s' is invalid. It can contain only alphanumeric characters, periods, underscores, hyphens and parenthesis, cannot end in a period and must be at most 90 characters.", rg))
		return
	}
	if in.Location == "" {
		WriteError(w, http.StatusBadRequest, "LocationRequired", "The location property is required for this definition.")
		return
	}
	id := GroupID(req.Param("sub"), rg)
	if g := s.Get(id); g != nil {
		if g.Deleting() {
			WriteError(w, http.StatusConflict, "ResourceGroupBeingDeleted", fmt.Sprintf("The resource group '%s' is in deprovisioning state and cannot perform this operation.", g.Name))
			return
		}
		if !strings.EqualFold(normLocation(g.Location), normLocation(in.Location)) {
			WriteError(w, http.StatusConflict, "InvalidResourceGroupLocation", fmt.Sprintf("Invalid resource group location '%s'. The Resource group already exists in location '%s'.", in.Location, g.Location))
			return
		}
		g.Tags = in.Tags
		if in.ManagedBy != nil {
			g.Top["managedBy"] = *in.ManagedBy
		}
		WriteJSON(w, http.StatusOK, g)
		return
	}
	g := &Resource{ID: id, Name: rg, Type: ResourceGroupType, Location: normLocation(in.Location), Tags: in.Tags,
		Top: map[string]any{}, Props: map[string]any{"provisioningState": "Succeeded"}}
	if in.ManagedBy != nil {
		g.Top["managedBy"] = *in.ManagedBy
	}
	s.Put(g)
	WriteJSON(w, http.StatusCreated, g)
}

func (s *Server) getGroup(w http.ResponseWriter, req *Request) {
	g := s.Get(GroupID(req.Param("sub"), req.Param("rg")))
	if g == nil {
		groupNotFound(w, req.Param("rg"))
		return
	}
	WriteJSON(w, http.StatusOK, g)
}

func (s *Server) headGroup(w http.ResponseWriter, req *Request) {
	if s.Get(GroupID(req.Param("sub"), req.Param("rg"))) == nil {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) patchGroup(w http.ResponseWriter, req *Request) {
	g := s.Group(w, req)
	if g == nil {
		return
	}
	var in groupBody
	if !req.Decode(w, &in) {
		return
	}
	if in.Tags != nil {
		g.Tags = in.Tags
	}
	if in.ManagedBy != nil {
		g.Top["managedBy"] = *in.ManagedBy
	}
	WriteJSON(w, http.StatusOK, g)
}

func (s *Server) deleteGroup(w http.ResponseWriter, req *Request) {
	g := s.Get(GroupID(req.Param("sub"), req.Param("rg")))
	if g == nil {
		groupNotFound(w, req.Param("rg"))
		return
	}
	done := req.Now.Add(s.Delay())
	if !g.Deleting() {
		s.RemoveAt(g, done)
		for _, c := range s.Children(g.ID, "") {
			if c.State() != "" && !c.Deleting() {
				s.RemoveAt(c, done)
			}
		}
	}
	id := s.StartOperation(req, g.ID, g.goneAt)
	w.Header().Set("Location", OperationURL(req, "/subscriptions/"+req.Param("sub"), OperationResult, id))
	RetryAfter(w, req, g.goneAt)
	w.WriteHeader(http.StatusAccepted)
}

func (s *Server) listGroups(w http.ResponseWriter, req *Request) {
	prefix := strings.ToLower("/subscriptions/" + req.Param("sub") + "/resourceGroups/")
	var out []*Resource
	for k, r := range s.resources {
		if strings.HasPrefix(k, prefix) && !strings.Contains(k[len(prefix):], "/") {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *Resource) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	s.WriteList(w, req, listOf(out))
}

func validGroupName(n string) bool {
	if n == "" || len(n) > 90 || strings.HasSuffix(n, ".") {
		return false
	}
	for _, c := range n {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.ContainsRune("._-()", c):
		default:
			return false
		}
	}
	return true
}

// normLocation is how ARM spells a location back: "East US" is "eastus".
func normLocation(l string) string {
	return strings.ToLower(strings.ReplaceAll(l, " ", ""))
}
