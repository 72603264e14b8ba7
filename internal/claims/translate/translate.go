// Package translate is the seam between the portable claims and each cloud:
// a cloud turns a claim and its class into managed resources, and turns the
// observed managed resources back into readiness and portable status. The
// claim controllers only talk to this package, so adding a cloud never
// touches them.
package translate

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	"sigs.k8s.io/controller-runtime/pkg/client"

	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
	storagev1 "github.com/stowage-dev/stowage/apis/storage/v1alpha1"
)

// A Plan is what a translation wants to exist for a claim now.
type Plan struct {
	// Resources are the managed resources, in the order they are made, in
	// the claim's namespace and without owner references. The claim
	// controller makes the missing ones, updates the others, and removes
	// the claim's managed resources no longer in a complete plan.
	Resources []client.Object

	// Waiting says what is not in Resources yet and what it waits for (an
	// Azure SQL Database waits for its Server to be ready); "" when the plan
	// is complete. A claim is never Ready while its plan waits.
	Waiting string

	// NotApplied says what of the claim this cloud cannot do (an Azure
	// container without blob versioning); the claim reports it like the
	// changes an Update does not apply, in its Synced condition.
	NotApplied []string
}

// DatabaseStatus is what a database claim's status shows of its cloud.
type DatabaseStatus struct {
	Endpoint      string
	Port          int32
	EngineVersion string
}

// BucketStatus is what a bucket claim's status shows of its cloud.
type BucketStatus struct {
	Bucket   string
	Region   string
	Endpoint string
}

// Common is what every translation offers.
type Common interface {
	// Types are empty instances of every managed resource kind the
	// translation creates; the claim controller owns and lists them.
	Types() []client.Object

	// Update copies the claim-driven fields of desired into existing, an
	// object of the same kind and name the claim created earlier. It reports
	// whether existing changed and any differences it deliberately did not
	// apply because they would replace the cloud resource.
	Update(existing, desired client.Object) (changed bool, notApplied []string)
}

// A Database translates DatabaseClaims for one cloud. Readiness, sync state
// and the connection secret are read from the managed resources by the claim
// controller, the same way for every cloud.
type Database interface {
	Common
	// Plan the managed resources of claim through class, given the ones
	// the claim has now (existing), so a translation can make one only once
	// another is ready. An error of type *NotOfferedError means the class
	// cannot serve the claim.
	Plan(claim *dbv1.DatabaseClaim, class *dbv1.DatabaseClass, existing []client.Object) (Plan, error)
	// Status of the claim, read from its managed resources.
	Status(claim *dbv1.DatabaseClaim, observed []client.Object) DatabaseStatus
}

// A Bucket translates BucketClaims for one cloud.
type Bucket interface {
	Common
	Plan(claim *storagev1.BucketClaim, class *storagev1.BucketClass, existing []client.Object) (Plan, error)
	Status(claim *storagev1.BucketClaim, observed []client.Object) BucketStatus
}

// A NotOfferedError says a class does not offer what a claim asks for.
type NotOfferedError struct {
	Field   string
	Value   string
	Class   string
	Offered []string
}

func (e *NotOfferedError) Error() string {
	return fmt.Sprintf("%s %q is not offered by class %s (offered: %s)", e.Field, e.Value, e.Class, strings.Join(e.Offered, ", "))
}

// A Registry holds the translations of every cloud, keyed by the cloud's
// template name in a class (aws, azure, gcp).
type Registry struct {
	mu        sync.RWMutex
	databases map[string]Database
	buckets   map[string]Bucket
}

// Default is the registry cloud packages register with from init.
var Default = &Registry{}

// RegisterDatabase registers the database translation of cloud.
func (r *Registry) RegisterDatabase(cloud string, d Database) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.databases == nil {
		r.databases = map[string]Database{}
	}
	r.databases[cloud] = d
}

// RegisterBucket registers the bucket translation of cloud.
func (r *Registry) RegisterBucket(cloud string, b Bucket) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.buckets == nil {
		r.buckets = map[string]Bucket{}
	}
	r.buckets[cloud] = b
}

// Database returns the database translation of cloud.
func (r *Registry) Database(cloud string) (Database, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	d, ok := r.databases[cloud]
	return d, ok
}

// Bucket returns the bucket translation of cloud.
func (r *Registry) Bucket(cloud string) (Bucket, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	b, ok := r.buckets[cloud]
	return b, ok
}

// DatabaseTypes are the managed resource types of every database translation.
func (r *Registry) DatabaseTypes() []client.Object {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []client.Object
	for _, c := range sortedKeys(r.databases) {
		out = append(out, r.databases[c].Types()...)
	}
	return out
}

// BucketTypes are the managed resource types of every bucket translation.
func (r *Registry) BucketTypes() []client.Object {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []client.Object
	for _, c := range sortedKeys(r.buckets) {
		out = append(out, r.buckets[c].Types()...)
	}
	return out
}

// DatabaseFor returns the database translation that creates managed
// resources of obj's type, so a claim whose class is gone can still be
// observed through the resources it made.
func (r *Registry) DatabaseFor(obj client.Object) (Database, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, c := range sortedKeys(r.databases) {
		if makes(r.databases[c], obj) {
			return r.databases[c], true
		}
	}
	return nil, false
}

// BucketFor returns the bucket translation that creates managed resources of
// obj's type.
func (r *Registry) BucketFor(obj client.Object) (Bucket, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, c := range sortedKeys(r.buckets) {
		if makes(r.buckets[c], obj) {
			return r.buckets[c], true
		}
	}
	return nil, false
}

// Cloud returns the cloud (the name a translation is registered under:
// aws, azure, gcp) whose translation creates managed resources of obj's
// type, or "" when none does.
func (r *Registry) Cloud(obj client.Object) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, c := range sortedKeys(r.databases) {
		if makes(r.databases[c], obj) {
			return c
		}
	}
	for _, c := range sortedKeys(r.buckets) {
		if makes(r.buckets[c], obj) {
			return c
		}
	}
	return ""
}

func makes(t Common, obj client.Object) bool {
	for _, typ := range t.Types() {
		if reflect.TypeOf(typ) == reflect.TypeOf(obj) {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ProviderConfigRef is the reference a class's providerConfigRef (kind and
// name, either possibly unset) gives its managed resources: the
// ClusterProviderConfig named default unless the class says otherwise.
func ProviderConfigRef(kind, name string) *xpv2.ProviderConfigReference {
	if kind == "" {
		kind = "ClusterProviderConfig"
	}
	if name == "" {
		name = "default"
	}
	return &xpv2.ProviderConfigReference{Kind: kind, Name: name}
}
