// Package claims reconciles the portable claims (DatabaseClaim, BucketClaim):
// it binds a claim to a class, asks the class's cloud translation for the
// managed resources, creates and updates them in the claim's namespace owned
// by the claim, and copies readiness, status and connection details back.
// It knows nothing about any particular cloud.
package claims

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/event"
	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource"
	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/stowage-dev/stowage/internal/claims/translate"
)

// Finalizer keeps a claim until its managed resources are deleted or
// released.
const Finalizer = "claims.stowage.dev/managed-resources"

// Condition reasons of a claim's Synced and Ready conditions.
const (
	ReasonClassNotFound      xpv2.ConditionReason = "ClassNotFound"
	ReasonNoDefaultClass     xpv2.ConditionReason = "NoDefaultClass"
	ReasonAmbiguousDefault   xpv2.ConditionReason = "AmbiguousDefaultClass"
	ReasonNamespaceForbidden xpv2.ConditionReason = "NamespaceNotAllowed"
	ReasonNotOffered         xpv2.ConditionReason = "NotOffered"
	ReasonUnsupportedCloud   xpv2.ConditionReason = "UnsupportedCloud"
	ReasonConflict           xpv2.ConditionReason = "ResourceConflict"
	ReasonNotApplied         xpv2.ConditionReason = "ChangesNotApplied"
	ReasonUnbound            xpv2.ConditionReason = "Unbound"
	ReasonWaiting            xpv2.ConditionReason = "WaitingForResources"
	ReasonResourceNotSynced  xpv2.ConditionReason = "ManagedResourceNotSynced"
)

// RetainPolicies are the management policies a retained managed resource is
// left with: everything but Delete, so the cloud resource outlives it.
var RetainPolicies = xpv2.ManagementPolicies{
	xpv2.ManagementActionObserve, xpv2.ManagementActionCreate,
	xpv2.ManagementActionUpdate, xpv2.ManagementActionLateInitialize,
}

// A claimObject is a DatabaseClaim or a BucketClaim.
type claimObject interface {
	client.Object
	GetCondition(xpv2.ConditionType) xpv2.Condition
	SetConditions(...xpv2.Condition)
}

// classView is what the claim controller needs to know about a class.
type classView struct {
	Name          string
	Default       bool
	Reclaim       string
	AllowOverride bool
	Selector      *metav1.LabelSelector
	Cloud         string
	Object        client.Object
}

// kind is one claim kind and its classes.
type kind interface {
	Kind() string
	NewClaim() claimObject
	ListClaims(ctx context.Context, c client.Reader) ([]types.NamespacedName, error)
	ClassType() client.Object
	Classes(ctx context.Context, c client.Reader) ([]classView, error)
	RequestedClass(claimObject) string
	// Serves reports whether a class can be a default for the claim.
	Serves(claimObject, classView) bool
	// Offered checks the portable fields against the class.
	Offered(claimObject, classView) error
	Translation(cloud string) (translate.Common, bool)
	Desired(claimObject, classView) ([]client.Object, error)
	Observe(claimObject, classView, []client.Object) translate.Observation
	SetStatus(c claimObject, className string, refs []client.Object, o translate.Observation)
	ClaimReclaim(claimObject) string
	SecretName(claimObject) string
	SecretKeys() []string
	Types() []client.Object
}

// setup adds a claim controller for k.
func setup(mgr ctrl.Manager, o controller.Options, k kind) error {
	name := "claims/" + strings.ToLower(k.Kind())
	r := &reconciler{
		client: mgr.GetClient(),
		kind:   k,
		record: event.NewAPIRecorder(mgr.GetEventRecorderFor(name)),
		log:    o.Logger.WithValues("controller", name),
		poll:   o.PollInterval,
	}
	b := ctrl.NewControllerManagedBy(mgr).
		Named(name).
		WithOptions(o.ForControllerRuntime()).
		For(k.NewClaim()).
		Owns(&corev1.Secret{}).
		Watches(k.ClassType(), handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, _ client.Object) []reconcile.Request {
			keys, err := k.ListClaims(ctx, mgr.GetClient())
			if err != nil {
				return nil
			}
			reqs := make([]reconcile.Request, 0, len(keys))
			for _, key := range keys {
				reqs = append(reqs, reconcile.Request{NamespacedName: key})
			}
			return reqs
		}))
	for _, t := range k.Types() {
		b = b.Owns(t)
	}
	return b.Complete(r)
}

type reconciler struct {
	client client.Client
	kind   kind
	record event.Recorder
	log    logging.Logger
	poll   time.Duration
}

func synced(status corev1.ConditionStatus, reason xpv2.ConditionReason, msg string) xpv2.Condition {
	return xpv2.Condition{Type: xpv2.TypeSynced, Status: status, Reason: reason, Message: msg, LastTransitionTime: metav1.Now()}
}

func notReady(reason xpv2.ConditionReason, msg string) xpv2.Condition {
	return xpv2.Condition{Type: xpv2.TypeReady, Status: corev1.ConditionFalse, Reason: reason, Message: msg, LastTransitionTime: metav1.Now()}
}

// bindError is a reason a claim cannot be bound to a class.
type bindError struct {
	reason xpv2.ConditionReason
	msg    string
}

func (e *bindError) Error() string { return e.msg }

// selectClass picks the class a claim uses: the one it names, else the
// single default class that serves it.
func selectClass(kindName, requested string, classes []classView, serves func(classView) bool) (classView, error) {
	if requested != "" {
		for _, c := range classes {
			if c.Name == requested {
				return c, nil
			}
		}
		return classView{}, &bindError{ReasonClassNotFound, fmt.Sprintf("%s %q does not exist; waiting for it", kindName, requested)}
	}
	var defaults []classView
	for _, c := range classes {
		if c.Default && serves(c) {
			defaults = append(defaults, c)
		}
	}
	switch len(defaults) {
	case 0:
		return classView{}, &bindError{ReasonNoDefaultClass, fmt.Sprintf("no className given and no default %s serves this claim; set spec.className", kindName)}
	case 1:
		return defaults[0], nil
	}
	names := make([]string, 0, len(defaults))
	for _, d := range defaults {
		names = append(names, d.Name)
	}
	sort.Strings(names)
	return classView{}, &bindError{ReasonAmbiguousDefault, fmt.Sprintf("no className given and several default %ses serve this claim (%s); set spec.className", kindName, strings.Join(names, ", "))}
}

// reclaimPolicy is the policy applied when the claim is deleted.
func reclaimPolicy(cl classView, claimPolicy string) string {
	if cl.AllowOverride && claimPolicy != "" {
		return claimPolicy
	}
	if cl.Reclaim == "" {
		return "Retain"
	}
	return cl.Reclaim
}

// Reconcile a claim. A write that lost a race with another writer is retried
// shortly instead of being logged as an error.
func (r *reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	res, err := r.reconcile(ctx, req)
	if kerrors.IsConflict(err) {
		return reconcile.Result{RequeueAfter: 100 * time.Millisecond}, nil
	}
	return res, err
}

func (r *reconciler) reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	log := r.log.WithValues("request", req)
	cr := r.kind.NewClaim()
	if err := r.client.Get(ctx, req.NamespacedName, cr); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}

	classes, err := r.kind.Classes(ctx, r.client)
	if err != nil {
		return reconcile.Result{}, err
	}
	cl, bindErr := selectClass(r.kind.Kind()[:len(r.kind.Kind())-len("Claim")]+"Class", r.kind.RequestedClass(cr), classes, func(c classView) bool { return r.kind.Serves(cr, c) })

	if cr.GetDeletionTimestamp() != nil {
		return r.delete(ctx, cr, cl, bindErr)
	}

	if controllerutil.AddFinalizer(cr, Finalizer) {
		if err := r.client.Update(ctx, cr); err != nil {
			return reconcile.Result{}, err
		}
	}

	fail := func(reason xpv2.ConditionReason, msg string, requeue time.Duration) (reconcile.Result, error) {
		if cr.GetCondition(xpv2.TypeSynced).Message != msg {
			r.record.Event(cr, event.Warning(event.Reason(reason), errors.New(msg)))
		}
		cr.SetConditions(synced(corev1.ConditionFalse, reason, msg))
		if cr.GetCondition(xpv2.TypeReady).Status != corev1.ConditionTrue {
			cr.SetConditions(notReady(ReasonUnbound, msg))
		}
		if err := r.client.Status().Update(ctx, cr); err != nil {
			return reconcile.Result{}, err
		}
		return reconcile.Result{RequeueAfter: requeue}, nil
	}

	if bindErr != nil {
		var be *bindError
		errors.As(bindErr, &be)
		return fail(be.reason, be.msg, 0)
	}

	ok, err := r.namespaceAllowed(ctx, cr.GetNamespace(), cl)
	if err != nil {
		return reconcile.Result{}, err
	}
	if !ok {
		return fail(ReasonNamespaceForbidden, fmt.Sprintf("namespace %s is not allowed by class %s", cr.GetNamespace(), cl.Name), 30*time.Second)
	}
	if err := r.kind.Offered(cr, cl); err != nil {
		return fail(ReasonNotOffered, err.Error(), 0)
	}
	tr, ok := r.kind.Translation(cl.Cloud)
	if !ok {
		return fail(ReasonUnsupportedCloud, fmt.Sprintf("class %s uses cloud %q, which this provider cannot translate %s for", cl.Name, cl.Cloud, r.kind.Kind()), 0)
	}
	desired, err := r.kind.Desired(cr, cl)
	if err != nil {
		var no *translate.NotOfferedError
		if errors.As(err, &no) {
			return fail(ReasonNotOffered, err.Error(), 0)
		}
		return fail(xpv2.ReasonReconcileError, err.Error(), 0)
	}

	var observed []client.Object
	var notApplied []string
	for _, d := range desired {
		obj, na, err := r.apply(ctx, cr, tr, d)
		if err != nil {
			var be *bindError
			if errors.As(err, &be) {
				return fail(be.reason, be.msg, 0)
			}
			log.Debug("cannot apply managed resource", "error", err)
			return fail(xpv2.ReasonReconcileError, err.Error(), 0)
		}
		observed = append(observed, obj)
		notApplied = append(notApplied, na...)
	}

	o := r.kind.Observe(cr, cl, observed)
	r.kind.SetStatus(cr, cl.Name, observed, o)

	if o.Ready {
		if err := r.writeSecret(ctx, cr, o); err != nil {
			var be *bindError
			if errors.As(err, &be) {
				return fail(be.reason, be.msg, 0)
			}
			return fail(xpv2.ReasonReconcileError, err.Error(), 0)
		}
		if cr.GetCondition(xpv2.TypeReady).Status != corev1.ConditionTrue {
			r.record.Event(cr, event.Normal("Ready", fmt.Sprintf("managed resources are ready; connection secret %s written", r.kind.SecretName(cr))))
		}
		cr.SetConditions(xpv2.Available())
	} else {
		cr.SetConditions(notReady(ReasonWaiting, o.Message))
	}
	switch {
	case o.NotSynced != "":
		if cr.GetCondition(xpv2.TypeSynced).Message != o.NotSynced {
			r.record.Event(cr, event.Warning(event.Reason(ReasonResourceNotSynced), errors.New(o.NotSynced)))
		}
		cr.SetConditions(synced(corev1.ConditionFalse, ReasonResourceNotSynced, o.NotSynced))
	case len(notApplied) > 0:
		msg := "class or claim changes not applied: " + strings.Join(notApplied, "; ")
		if cr.GetCondition(xpv2.TypeSynced).Message != msg {
			r.record.Event(cr, event.Warning(event.Reason(ReasonNotApplied), errors.New(msg)))
		}
		cr.SetConditions(synced(corev1.ConditionTrue, ReasonNotApplied, msg))
	default:
		cr.SetConditions(xpv2.ReconcileSuccess())
	}
	if err := r.client.Status().Update(ctx, cr); err != nil {
		return reconcile.Result{}, err
	}
	// Poll: connection secrets are not watched.
	return reconcile.Result{RequeueAfter: r.pollInterval(o.Ready)}, nil
}

func (r *reconciler) pollInterval(ready bool) time.Duration {
	p := r.poll
	if p <= 0 {
		p = time.Minute
	}
	if !ready && p > 10*time.Second {
		p = 10 * time.Second
	}
	return p
}

func (r *reconciler) namespaceAllowed(ctx context.Context, ns string, cl classView) (bool, error) {
	if cl.Selector == nil {
		return true, nil
	}
	sel, err := metav1.LabelSelectorAsSelector(cl.Selector)
	if err != nil {
		return false, fmt.Errorf("class %s has an invalid namespaceSelector: %w", cl.Name, err)
	}
	n := &corev1.Namespace{}
	if err := r.client.Get(ctx, types.NamespacedName{Name: ns}, n); err != nil {
		return false, err
	}
	return sel.Matches(labels.Set(n.Labels)), nil
}

// listOf lists the objects of kind gvk in ns.
func listOf(ctx context.Context, c client.Client, gvk schema.GroupVersionKind, ns string) ([]resource.Managed, error) {
	o, err := c.Scheme().New(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	if err != nil {
		return nil, err
	}
	list, ok := o.(client.ObjectList)
	if !ok {
		return nil, fmt.Errorf("%s is not a list", gvk.Kind)
	}
	if err := c.List(ctx, list, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	items, err := apimeta.ExtractList(list)
	if err != nil {
		return nil, err
	}
	out := make([]resource.Managed, 0, len(items))
	for _, it := range items {
		mr, ok := it.(resource.Managed)
		if !ok {
			return nil, fmt.Errorf("%s is not a managed resource", gvk.Kind)
		}
		mr.GetObjectKind().SetGroupVersionKind(gvk)
		out = append(out, mr)
	}
	return out, nil
}

// apply creates desired, or updates the claim-driven fields of the object of
// that name the claim created earlier. It never touches an object the claim
// does not control.
func (r *reconciler) apply(ctx context.Context, cr claimObject, tr translate.Common, desired client.Object) (client.Object, []string, error) {
	existing, ok := desired.DeepCopyObject().(client.Object)
	if !ok {
		return nil, nil, fmt.Errorf("cannot copy %T", desired)
	}
	gvk := desired.GetObjectKind().GroupVersionKind()
	err := r.client.Get(ctx, client.ObjectKeyFromObject(desired), existing)
	if kerrors.IsNotFound(err) {
		if err := controllerutil.SetControllerReference(cr, desired, r.client.Scheme()); err != nil {
			return nil, nil, err
		}
		if err := r.client.Create(ctx, desired); err != nil {
			return nil, nil, fmt.Errorf("cannot create %s %s: %w", gvk.Kind, desired.GetName(), err)
		}
		r.record.Event(cr, event.Normal("CreatedManagedResource", fmt.Sprintf("created %s %s", gvk.Kind, desired.GetName())))
		return desired, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if !metav1.IsControlledBy(existing, cr) {
		return nil, nil, &bindError{ReasonConflict, fmt.Sprintf("%s %s already exists and is not controlled by this claim; it will not be adopted", gvk.Kind, desired.GetName())}
	}
	changed, na := tr.Update(existing, desired)
	if changed {
		if err := r.client.Update(ctx, existing); err != nil {
			return nil, nil, fmt.Errorf("cannot update %s %s: %w", gvk.Kind, desired.GetName(), err)
		}
		r.record.Event(cr, event.Normal("UpdatedManagedResource", fmt.Sprintf("updated %s %s", gvk.Kind, desired.GetName())))
	}
	existing.GetObjectKind().SetGroupVersionKind(gvk)
	return existing, na, nil
}

// writeSecret writes the claim's connection secret from the contract keys of
// the managed resources' connection secrets.
func (r *reconciler) writeSecret(ctx context.Context, cr claimObject, o translate.Observation) error {
	data := map[string][]byte{}
	for _, name := range o.ConnectionSecrets {
		s := &corev1.Secret{}
		if err := r.client.Get(ctx, types.NamespacedName{Namespace: cr.GetNamespace(), Name: name}, s); err != nil {
			return fmt.Errorf("cannot read connection secret %s: %w", name, err)
		}
		for _, k := range r.kind.SecretKeys() {
			if v, ok := s.Data[k]; ok {
				data[k] = v
			}
		}
	}
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: cr.GetNamespace(), Name: r.kind.SecretName(cr)}}
	err := r.client.Get(ctx, client.ObjectKeyFromObject(s), s)
	switch {
	case kerrors.IsNotFound(err):
		s.Type = corev1.SecretTypeOpaque
		s.Data = data
		if err := controllerutil.SetControllerReference(cr, s, r.client.Scheme()); err != nil {
			return err
		}
		if err := r.client.Create(ctx, s); err != nil {
			return err
		}
		r.record.Event(cr, event.Normal("WroteConnectionSecret", "wrote connection secret "+s.Name))
		return nil
	case err != nil:
		return err
	}
	if !metav1.IsControlledBy(s, cr) {
		return &bindError{ReasonConflict, fmt.Sprintf("Secret %s already exists and is not controlled by this claim; it will not be overwritten", s.Name)}
	}
	if equalData(s.Data, data) {
		return nil
	}
	s.Data = data
	return r.client.Update(ctx, s)
}

func equalData(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || string(v) != string(w) {
			return false
		}
	}
	return true
}

// owned lists the managed resources in the claim's namespace the claim
// controls.
func (r *reconciler) owned(ctx context.Context, cr claimObject) ([]resource.Managed, error) {
	var out []resource.Managed
	for _, t := range r.kind.Types() {
		gvk, err := r.client.GroupVersionKindFor(t)
		if err != nil {
			return nil, err
		}
		objs, err := listOf(ctx, r.client, gvk, cr.GetNamespace())
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			if metav1.IsControlledBy(o, cr) {
				out = append(out, o)
			}
		}
	}
	return out, nil
}

// delete handles a claim being deleted: Delete deletes the managed resources
// and waits for them to go; Retain releases them so the cloud resources stay.
func (r *reconciler) delete(ctx context.Context, cr claimObject, cl classView, bindErr error) (reconcile.Result, error) {
	if !controllerutil.ContainsFinalizer(cr, Finalizer) {
		return reconcile.Result{}, nil
	}
	policy := "Retain" // unknown class: keep the cloud resources
	if bindErr == nil {
		policy = reclaimPolicy(cl, r.kind.ClaimReclaim(cr))
	}
	mrs, err := r.owned(ctx, cr)
	if err != nil {
		return reconcile.Result{}, err
	}
	if policy == "Delete" {
		for _, mr := range mrs {
			if mr.GetDeletionTimestamp() != nil {
				continue
			}
			if err := r.client.Delete(ctx, mr); client.IgnoreNotFound(err) != nil {
				return reconcile.Result{}, err
			}
			r.record.Event(cr, event.Normal("DeletedManagedResource", fmt.Sprintf("reclaim policy Delete: deleting %s %s", mr.GetObjectKind().GroupVersionKind().Kind, mr.GetName())))
		}
		if len(mrs) > 0 {
			cr.SetConditions(xpv2.Deleting())
			_ = r.client.Status().Update(ctx, cr)
			return reconcile.Result{RequeueAfter: time.Second}, nil
		}
	} else {
		for _, mr := range mrs {
			mr.SetManagementPolicies(RetainPolicies)
			refs := mr.GetOwnerReferences()
			kept := refs[:0]
			for _, ref := range refs {
				if ref.UID != cr.GetUID() {
					kept = append(kept, ref)
				}
			}
			mr.SetOwnerReferences(kept)
			if err := r.client.Update(ctx, mr); err != nil {
				return reconcile.Result{}, err
			}
			r.record.Event(cr, event.Normal("RetainedManagedResource", fmt.Sprintf("reclaim policy Retain: released %s %s; the cloud resource is kept", mr.GetObjectKind().GroupVersionKind().Kind, mr.GetName())))
		}
	}
	controllerutil.RemoveFinalizer(cr, Finalizer)
	return reconcile.Result{}, r.client.Update(ctx, cr)
}
