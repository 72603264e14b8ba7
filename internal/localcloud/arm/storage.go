package arm

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Microsoft.Storage: storage accounts and blob containers.
//
// Storage accounts: PUT is a long-running operation answered 202 with a
// Location (.../locations/{loc}/asyncoperations/{id}?monitor=true) and a
// Retry-After, the account moving Creating → ResolvingDNS → Succeeded; PATCH
// is synchronous and refused until the account is provisioned; DELETE is
// synchronous (200, or 204 when there is nothing to delete) and takes the
// containers with it; listKeys is a POST that reads. Account names are
// global: a name used in another resource group or subscription, or
// reserved with Server.Reserve, is taken.
//
// Containers: PUT (201 new, 200 existing), PATCH and DELETE are synchronous.

// StorageAPIVersions are the api-versions Microsoft.Storage accepts here:
// the one armstorage v1.8.1 sends, and its recent neighbours.
var StorageAPIVersions = []string{"2022-09-01", "2023-01-01", "2023-04-01", "2023-05-01", "2024-01-01"}

// Storage resource types.
const (
	StorageAccountType = "Microsoft.Storage/storageAccounts"
	ContainerType      = "Microsoft.Storage/storageAccounts/blobServices/containers"
)

const (
	accountPath   = "/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.Storage/storageAccounts/{account}"
	containerPath = accountPath + "/blobServices/default/containers/{container}"
)

func registerStorage(s *Server) {
	v := StorageAPIVersions
	s.Handle(http.MethodPost, "/subscriptions/{sub}/providers/Microsoft.Storage/checkNameAvailability", v, s.checkAccountName)
	s.Handle(http.MethodGet, "/subscriptions/{sub}/providers/Microsoft.Storage/storageAccounts", v, s.listAccounts)
	s.Handle(http.MethodGet, "/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.Storage/storageAccounts", v, s.listAccounts)
	s.Handle(http.MethodPut, accountPath, v, s.putAccount)
	s.Handle(http.MethodGet, accountPath, v, s.getAccount)
	s.Handle(http.MethodPatch, accountPath, v, s.patchAccount)
	s.Handle(http.MethodDelete, accountPath, v, s.deleteAccount)
	s.Handle(http.MethodPost, accountPath+"/listKeys", v, s.listKeys)
	s.Handle(http.MethodGet, accountPath+"/blobServices/default/containers", v, s.listContainers)
	s.Handle(http.MethodPut, containerPath, v, s.putContainer)
	s.Handle(http.MethodGet, containerPath, v, s.getContainer)
	s.Handle(http.MethodPatch, containerPath, v, s.patchContainer)
	s.Handle(http.MethodDelete, containerPath, v, s.deleteContainer)
}

// AccountID is the ARM ID of a storage account.
func AccountID(sub, rg, name string) string {
	return GroupID(sub, rg) + "/providers/Microsoft.Storage/storageAccounts/" + name
}

var accountName = regexp.MustCompile(`^[a-z0-9]{3,24}$`)

func accountNameInvalid(name string) string {
	return fmt.Sprintf("%s is not a valid storage account name. Storage account name must be between 3 and 24 characters in length and use numbers and lower-case letters only.", name)
}

// accountTaken says why name cannot be used for an account with id, or "".
func (s *Server) accountTaken(id, name string) (code, msg string) {
	if s.Reserved(StorageAccountType, name) {
		return "StorageAccountAlreadyTaken", fmt.Sprintf("The storage account named %s is already taken.", name)
	}
	for _, r := range s.Find(StorageAccountType, name) {
		if strings.EqualFold(r.ID, id) {
			continue
		}
		sub := strings.Split(strings.ToLower(id), "/")[2]
		if strings.Split(strings.ToLower(r.ID), "/")[2] == sub {
			return "StorageAccountInAnotherResourceGroup", fmt.Sprintf("The account %s is already in another resource group in this subscription.", name)
		}
		return "StorageAccountAlreadyTaken", fmt.Sprintf("The storage account named %s is already taken.", name)
	}
	return "", ""
}

func (s *Server) checkAccountName(w http.ResponseWriter, req *Request) {
	var in struct{ Name, Type string }
	if !req.Decode(w, &in) {
		return
	}
	if !strings.EqualFold(in.Type, StorageAccountType) {
		WriteError(w, http.StatusBadRequest, "InvalidParameter", fmt.Sprintf("The type '%s' is not supported: only %s.", in.Type, StorageAccountType))
		return
	}
	switch {
	case !accountName.MatchString(in.Name):
		WriteJSON(w, http.StatusOK, map[string]any{"nameAvailable": false, "reason": "AccountNameInvalid", "message": accountNameInvalid(in.Name)})
	case s.Reserved(StorageAccountType, in.Name) || len(s.Find(StorageAccountType, in.Name)) > 0:
		WriteJSON(w, http.StatusOK, map[string]any{"nameAvailable": false, "reason": "AlreadyExists", "message": fmt.Sprintf("The storage account named %s is already taken.", in.Name)})
	default:
		WriteJSON(w, http.StatusOK, map[string]any{"nameAvailable": true})
	}
}

type accountBody struct {
	Location   string                 `json:"location"`
	Kind       string                 `json:"kind"`
	SKU        *struct{ Name string } `json:"sku"`
	Tags       map[string]string      `json:"tags"`
	Properties map[string]any         `json:"properties"`
}

var skus = []string{"Standard_LRS", "Standard_GRS", "Standard_RAGRS", "Standard_ZRS", "Premium_LRS", "Premium_ZRS", "Standard_GZRS", "Standard_RAGZRS"}

var kinds = []string{"Storage", "StorageV2", "BlobStorage", "FileStorage", "BlockBlobStorage"}

func skuTier(name string) string {
	if strings.HasPrefix(name, "Premium") {
		return "Premium"
	}
	return "Standard"
}

// checkAccountBody answers InvalidParameter-style errors for what the
// storage provider checks in a create or update body; false when it did.
func checkAccountBody(w http.ResponseWriter, in accountBody, create bool) bool {
	if create {
		if in.Location == "" {
			WriteError(w, http.StatusBadRequest, "LocationRequired", "The location property is required for this definition.")
			return false
		}
		if in.SKU == nil || in.SKU.Name == "" {
			WriteError(w, http.StatusBadRequest, "InvalidParameter", "The value of parameter sku.name is invalid.")
			return false
		}
		if in.Kind == "" {
			WriteError(w, http.StatusBadRequest, "InvalidParameter", "The value of parameter kind is invalid.")
			return false
		}
	}
	if in.SKU != nil && !slices.Contains(skus, in.SKU.Name) {
		WriteError(w, http.StatusBadRequest, "InvalidParameter", fmt.Sprintf("Values for request parameters are invalid: sku.name '%s'.", in.SKU.Name))
		return false
	}
	if in.Kind != "" && !slices.Contains(kinds, in.Kind) {
		WriteError(w, http.StatusBadRequest, "InvalidParameter", fmt.Sprintf("Values for request parameters are invalid: kind '%s'.", in.Kind))
		return false
	}
	if t, ok := in.Properties["minimumTlsVersion"].(string); ok && !slices.Contains([]string{"TLS1_0", "TLS1_1", "TLS1_2", "TLS1_3"}, t) {
		WriteError(w, http.StatusBadRequest, "InvalidParameter", fmt.Sprintf("Values for request parameters are invalid: minimumTlsVersion '%s'.", t))
		return false
	}
	if t, ok := in.Properties["accessTier"].(string); ok && !slices.Contains([]string{"Hot", "Cool", "Cold", "Premium"}, t) {
		WriteError(w, http.StatusBadRequest, "InvalidParameter", fmt.Sprintf("Values for request parameters are invalid: accessTier '%s'.", t))
		return false
	}
	for k := range in.Tags {
		if len(k) > 128 {
			WriteError(w, http.StatusBadRequest, "InvalidTagNameLength", fmt.Sprintf("The tag name '%s' exceeds the maximum length of 128 characters.", k))
			return false
		}
	}
	return true
}

func (s *Server) putAccount(w http.ResponseWriter, req *Request) {
	name := req.Param("account")
	if !accountName.MatchString(name) {
		WriteError(w, http.StatusBadRequest, "AccountNameInvalid", accountNameInvalid(name))
		return
	}
	g := s.Group(w, req)
	if g == nil {
		return
	}
	var in accountBody
	if !req.Decode(w, &in) {
		return
	}
	id := AccountID(req.Param("sub"), g.Name, name)
	if code, msg := s.accountTaken(id, name); code != "" {
		WriteError(w, http.StatusConflict, code, msg)
		return
	}
	if !checkAccountBody(w, in, true) {
		return
	}
	if a := s.Get(id); a != nil {
		// A PUT on an existing account updates it, synchronously.
		if !strings.EqualFold(a.Location, normLocation(in.Location)) {
			WriteError(w, http.StatusConflict, "InvalidResourceLocation", fmt.Sprintf("The resource '%s' already exists in location '%s' in resource group '%s'. A resource with the same name cannot be created in location '%s'. Please select a new resource name.", name, a.Location, g.Name, in.Location))
			return
		}
		if a.State() != "Succeeded" {
			WriteJSON(w, http.StatusOK, a)
			return
		}
		updateAccount(a, in)
		WriteJSON(w, http.StatusOK, a)
		return
	}
	loc := normLocation(in.Location)
	now := req.Now.UTC().Format(time.RFC3339Nano)
	props := map[string]any{
		"supportsHttpsTrafficOnly":     true,
		"minimumTlsVersion":            "TLS1_0",
		"allowBlobPublicAccess":        false,
		"allowSharedKeyAccess":         true,
		"allowCrossTenantReplication":  false,
		"defaultToOAuthAuthentication": false,
		"networkAcls":                  map[string]any{"bypass": "AzureServices", "virtualNetworkRules": []any{}, "ipRules": []any{}, "defaultAction": "Allow"},
		"encryption": map[string]any{"keySource": "Microsoft.Storage", "requireInfrastructureEncryption": false, "services": map[string]any{
			"blob": map[string]any{"enabled": true, "keyType": "Account", "lastEnabledTime": now},
			"file": map[string]any{"enabled": true, "keyType": "Account", "lastEnabledTime": now},
		}},
		"keyCreationTime":  map[string]any{"key1": now, "key2": now},
		"creationTime":     now,
		"primaryLocation":  loc,
		"statusOfPrimary":  "available",
		"primaryEndpoints": endpoints(name),
	}
	if skuTier(in.SKU.Name) == "Standard" && in.Kind != "Storage" {
		props["accessTier"] = "Hot"
	}
	a := &Resource{ID: id, Name: name, Type: StorageAccountType, Location: loc, Tags: in.Tags,
		Top: map[string]any{"kind": in.Kind, "sku": map[string]any{"name": in.SKU.Name, "tier": skuTier(in.SKU.Name)}}, Props: props}
	for k, v := range in.Properties {
		if writableAccountProps[k] {
			props[k] = v
		}
	}
	a.Secret = map[string]any{"keys": []string{newKey(), newKey()}}
	done := req.Now.Add(s.Delay())
	a.Moves(req.Now, done, "Creating", "ResolvingDNS", "Succeeded")
	s.Put(a)
	op := s.StartOperation(req, id, done)
	w.Header().Set("Location", OperationURL(req, "/subscriptions/"+req.Param("sub")+"/providers/Microsoft.Storage/locations/"+loc, AsyncOperation, op)+"&monitor=true")
	RetryAfter(w, req, done)
	w.WriteHeader(http.StatusAccepted)
}

// writableAccountProps are the account properties a create or update may set.
var writableAccountProps = map[string]bool{
	"accessTier": true, "supportsHttpsTrafficOnly": true, "minimumTlsVersion": true, "allowBlobPublicAccess": true,
	"allowSharedKeyAccess": true, "publicNetworkAccess": true, "networkAcls": true, "isHnsEnabled": true,
	"allowCrossTenantReplication": true, "defaultToOAuthAuthentication": true, "largeFileSharesState": true,
	"dnsEndpointType": true, "encryption": true,
}

func endpoints(name string) map[string]any {
	e := map[string]any{}
	for _, svc := range []string{"blob", "dfs", "file", "queue", "table", "web"} {
		host := svc
		if svc == "web" {
			host = "z13.web"
		}
		e[svc] = "https://" + name + "." + host + ".core.windows.net/"
	}
	return e
}

func newKey() string {
	b := make([]byte, 64)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func updateAccount(a *Resource, in accountBody) {
	if in.SKU != nil {
		a.Top["sku"] = map[string]any{"name": in.SKU.Name, "tier": skuTier(in.SKU.Name)}
	}
	if in.Kind != "" {
		a.Top["kind"] = in.Kind
	}
	if in.Tags != nil {
		a.Tags = in.Tags
	}
	for k, v := range in.Properties {
		if writableAccountProps[k] {
			a.Props[k] = v
		}
	}
}

// account returns the account a request names, or answers the 404 ARM
// gives (ResourceGroupNotFound or ResourceNotFound) and returns nil.
func (s *Server) account(w http.ResponseWriter, req *Request) *Resource {
	g := s.Group(w, req)
	if g == nil {
		return nil
	}
	a := s.Get(AccountID(req.Param("sub"), req.Param("rg"), req.Param("account")))
	if a == nil {
		ResourceNotFound(w, StorageAccountType, req.Param("account"), req.Param("rg"))
		return nil
	}
	return a
}

func notProvisioned(w http.ResponseWriter) {
	WriteError(w, http.StatusConflict, "StorageAccountIsNotProvisioned", "The storage account provisioning state must be 'Succeeded' before executing the operation.")
}

func (s *Server) getAccount(w http.ResponseWriter, req *Request) {
	if a := s.account(w, req); a != nil {
		WriteJSON(w, http.StatusOK, a)
	}
}

func (s *Server) patchAccount(w http.ResponseWriter, req *Request) {
	a := s.account(w, req)
	if a == nil {
		return
	}
	var in accountBody
	if !req.Decode(w, &in) || !checkAccountBody(w, in, false) {
		return
	}
	if a.State() != "Succeeded" {
		notProvisioned(w)
		return
	}
	if in.Kind != "" && in.Kind != a.Top["kind"] && in.Kind != "StorageV2" {
		WriteError(w, http.StatusBadRequest, "InvalidParameter", fmt.Sprintf("Values for request parameters are invalid: kind. A storage account of kind %s can only be upgraded to StorageV2.", a.Top["kind"]))
		return
	}
	updateAccount(a, in)
	WriteJSON(w, http.StatusOK, a)
}

func (s *Server) deleteAccount(w http.ResponseWriter, req *Request) {
	g := s.Group(w, req)
	if g == nil {
		return
	}
	a := s.Get(AccountID(req.Param("sub"), req.Param("rg"), req.Param("account")))
	if a == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.Remove(a.ID)
	w.WriteHeader(http.StatusOK)
}

func (s *Server) listKeys(w http.ResponseWriter, req *Request) {
	a := s.account(w, req)
	if a == nil {
		return
	}
	if a.State() != "Succeeded" {
		notProvisioned(w)
		return
	}
	keys := a.Secret["keys"].([]string)
	created := a.Props["keyCreationTime"].(map[string]any)
	WriteJSON(w, http.StatusOK, map[string]any{"keys": []map[string]any{
		{"keyName": "key1", "value": keys[0], "permissions": "FULL", "creationTime": created["key1"]},
		{"keyName": "key2", "value": keys[1], "permissions": "FULL", "creationTime": created["key2"]},
	}})
}

func (s *Server) listAccounts(w http.ResponseWriter, req *Request) {
	prefix := "/subscriptions/" + req.Param("sub") + "/"
	if rg := req.Param("rg"); rg != "" {
		if s.Group(w, req) == nil {
			return
		}
		prefix = GroupID(req.Param("sub"), rg) + "/"
	}
	out := []*Resource{}
	for _, r := range s.Children(strings.TrimSuffix(prefix, "/"), StorageAccountType) {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *Resource) int { return strings.Compare(a.Name, b.Name) })
	s.WriteList(w, req, listOf(out))
}

// Containers.

var containerName = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9]|-[a-z0-9]){2,62}$`)

func containerID(accountID, name string) string {
	return accountID + "/blobServices/default/containers/" + name
}

func containerNotFound(w http.ResponseWriter) {
	WriteError(w, http.StatusNotFound, "ContainerNotFound", "The specified container does not exist.")
}

// containerAccount returns the account of a container request, answering
// ParentResourceNotFound when it does not exist.
func (s *Server) containerAccount(w http.ResponseWriter, req *Request) *Resource {
	g := s.Group(w, req)
	if g == nil {
		return nil
	}
	a := s.Get(AccountID(req.Param("sub"), req.Param("rg"), req.Param("account")))
	if a == nil {
		ParentResourceNotFound(w, StorageAccountType, req.Param("account"))
		return nil
	}
	return a
}

type containerBody struct {
	Properties struct {
		PublicAccess *string           `json:"publicAccess"`
		Metadata     map[string]string `json:"metadata"`
	} `json:"properties"`
}

var metadataKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// applyContainer checks and applies a container body; false when it
// answered an error.
func applyContainer(w http.ResponseWriter, a, c *Resource, in containerBody) bool {
	if pa := in.Properties.PublicAccess; pa != nil {
		if !slices.Contains([]string{"None", "Blob", "Container"}, *pa) {
			WriteError(w, http.StatusBadRequest, "InvalidParameter", fmt.Sprintf("Values for request parameters are invalid: publicAccess '%s'.", *pa))
			return false
		}
		if *pa != "None" && a.Props["allowBlobPublicAccess"] != true {
			WriteError(w, http.StatusConflict, "PublicAccessNotPermitted", "Public access is not permitted on this storage account.")
			return false
		}
	}
	for k := range in.Properties.Metadata {
		if !metadataKey.MatchString(k) {
			WriteError(w, http.StatusBadRequest, "InvalidMetadata", fmt.Sprintf("The metadata specified is invalid. It has characters that are not permitted: '%s'.", k))
			return false
		}
	}
	if in.Properties.PublicAccess != nil {
		c.Props["publicAccess"] = *in.Properties.PublicAccess
	}
	if in.Properties.Metadata != nil {
		c.Props["metadata"] = in.Properties.Metadata
	}
	return true
}

func (s *Server) putContainer(w http.ResponseWriter, req *Request) {
	a := s.containerAccount(w, req)
	if a == nil {
		return
	}
	name := req.Param("container")
	if !containerName.MatchString(name) {
		WriteError(w, http.StatusBadRequest, "InvalidParameter", fmt.Sprintf("The specified resource name '%s' contains invalid characters: container names are 3 to 63 lower-case letters, digits and single hyphens, starting with a letter or digit.", name))
		return
	}
	if a.State() != "Succeeded" {
		notProvisioned(w)
		return
	}
	var in containerBody
	if len(req.Body) > 0 && !req.Decode(w, &in) {
		return
	}
	id := containerID(a.ID, name)
	c, status := s.Get(id), http.StatusOK
	if c == nil {
		c = &Resource{ID: id, Name: name, Type: ContainerType, Top: map[string]any{}, Props: map[string]any{
			"publicAccess": "None", "leaseStatus": "Unlocked", "leaseState": "Available",
			"hasImmutabilityPolicy": false, "hasLegalHold": false, "deleted": false, "remainingRetentionDays": 0,
			"defaultEncryptionScope": "$account-encryption-key", "denyEncryptionScopeOverride": false,
		}}
		status = http.StatusCreated
	}
	if !applyContainer(w, a, c, in) {
		return
	}
	touch(c, req.Now)
	s.Put(c)
	WriteJSON(w, status, c)
}

func touch(c *Resource, now time.Time) {
	c.Props["lastModifiedTime"] = now.UTC().Format(time.RFC3339)
	c.Top["etag"] = fmt.Sprintf("\"0x%X\"", now.UnixNano())
}

func (s *Server) getContainer(w http.ResponseWriter, req *Request) {
	a := s.containerAccount(w, req)
	if a == nil {
		return
	}
	c := s.Get(containerID(a.ID, req.Param("container")))
	if c == nil {
		containerNotFound(w)
		return
	}
	WriteJSON(w, http.StatusOK, c)
}

func (s *Server) patchContainer(w http.ResponseWriter, req *Request) {
	a := s.containerAccount(w, req)
	if a == nil {
		return
	}
	c := s.Get(containerID(a.ID, req.Param("container")))
	if c == nil {
		containerNotFound(w)
		return
	}
	var in containerBody
	if !req.Decode(w, &in) || !applyContainer(w, a, c, in) {
		return
	}
	touch(c, req.Now)
	WriteJSON(w, http.StatusOK, c)
}

func (s *Server) deleteContainer(w http.ResponseWriter, req *Request) {
	a := s.containerAccount(w, req)
	if a == nil {
		return
	}
	id := containerID(a.ID, req.Param("container"))
	if s.Get(id) == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.Remove(id)
	w.WriteHeader(http.StatusOK)
}

func (s *Server) listContainers(w http.ResponseWriter, req *Request) {
	a := s.containerAccount(w, req)
	if a == nil {
		return
	}
	out := s.Children(a.ID, ContainerType)
	slices.SortFunc(out, func(x, y *Resource) int { return strings.Compare(x.Name, y.Name) })
	items := make([]any, len(out))
	for i, c := range out {
		items[i] = listedContainer(c)
	}
	s.WriteList(w, req, items)
}

// listedContainer is a container as the list call shows it: a
// ListContainerItem, the GET's shape without the metadata, which Azure
// returns only for the container itself (REST API reference, Blob
// Containers - List; the SDK example BlobContainersClient.NewListPager).
func listedContainer(c *Resource) *Resource {
	l := *c
	l.Props = maps.Clone(c.Props)
	delete(l.Props, "metadata")
	return &l
}
