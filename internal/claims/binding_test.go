package claims_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	xpv2 "github.com/crossplane/crossplane/apis/v2/core/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	dbv1 "github.com/stowage-dev/stowage/apis/database/v1alpha1"
	storagev1 "github.com/stowage-dev/stowage/apis/storage/v1alpha1"
	"github.com/stowage-dev/stowage/internal/claims"
	"github.com/stowage-dev/stowage/internal/contract"
	"github.com/stowage-dev/stowage/internal/testenv"
)

// TestOpaqueSecretIsReplacedByABindingSecret: a claim whose connection
// Secret an earlier version wrote as Opaque (a Secret's type cannot change)
// gets it replaced by one of type servicebinding.io/postgresql, controlled by
// the claim, with the labels and annotations someone put on the old one, an
// event saying so, and status.binding naming it.
func TestOpaqueSecretIsReplacedByABindingSecret(t *testing.T) {
	ctx, ns := setup(t, nil)
	class := dbClass("aws-binding-migration", nil)
	claim := dbClaim(ns, "orders", class.Name, dbv1.EnginePostgres, "16")
	create(ctx, t, class, claim)
	// What an earlier version left: the claim's Secret, Opaque, with the
	// contract's keys of then. The RDS instance takes a few polls to be
	// ready, so this is in place long before the claim writes its Secret.
	old := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "orders-db", Labels: map[string]string{"team": "shop"}, Annotations: map[string]string{"reloader.stakater.com/match": "true"}},
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{"engine": []byte("postgres"), "host": []byte("old.example"), "port": []byte("5432")},
	}
	if err := controllerutil.SetControllerReference(claim, old, env.Scheme); err != nil {
		t.Fatal(err)
	}
	create(ctx, t, old)

	waitReady(ctx, t, claim)
	s := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(old), s); err != nil {
		t.Fatal(err)
	}
	if s.Type != "servicebinding.io/postgresql" || s.UID == old.UID {
		t.Errorf("Secret %s: type %s (UID changed: %t), want servicebinding.io/postgresql in a new Secret", s.Name, s.Type, s.UID != old.UID)
	}
	if !metav1.IsControlledBy(s, claim) || s.Labels["team"] != "shop" || s.Annotations["reloader.stakater.com/match"] != "true" {
		t.Errorf("Secret %s: owners %v labels %v annotations %v, want controlled by the claim with the old labels and annotations", s.Name, s.OwnerReferences, s.Labels, s.Annotations)
	}
	if m := contract.Missing(contract.DatabaseKeys, s.Data); len(m) != 0 || string(s.Data[contract.KeyHost]) == "old.example" {
		t.Errorf("Secret %s: missing %v, host %q", s.Name, m, s.Data[contract.KeyHost])
	}
	if claim.Status.Binding == nil || claim.Status.Binding.Name != "orders-db" {
		t.Errorf("status.binding %+v, want orders-db", claim.Status.Binding)
	}
	if err := testenv.Eventually(ctx, timeout, func() error {
		return eventFor(ctx, ns, claim.Name, "ReplacedConnectionSecret", "had type Opaque")
	}); err != nil {
		t.Error(err)
	}
}

// TestForeignSecretIsNeverReplaced: a Secret of the connection secret's name
// that the claim does not control is never replaced, whatever its type, and
// the claim advertises no binding.
func TestForeignSecretIsNeverReplaced(t *testing.T) {
	ctx, ns := setup(t, nil)
	theirs := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "theirs"},
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{"token": []byte("not yours")},
	}
	class := &storagev1.BucketClass{
		ObjectMeta: metav1.ObjectMeta{Name: "aws-foreign-secret"},
		Spec:       storagev1.BucketClassSpec{AWS: &storagev1.AWSBucketTemplate{}},
	}
	claim := &storagev1.BucketClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "assets"},
		Spec: storagev1.BucketClaimSpec{
			ClassName:                  &class.Name,
			WriteConnectionSecretToRef: xpv2.LocalSecretReference{Name: theirs.Name},
		},
	}
	create(ctx, t, theirs, class, claim)
	if err := testenv.Eventually(ctx, timeout, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(claim), claim); err != nil {
			return err
		}
		if c := claim.GetCondition(xpv2.TypeSynced); c.Reason != claims.ReasonConflict || !strings.Contains(c.Message, "Secret theirs") {
			return fmt.Errorf("Synced: %s: %s", c.Reason, c.Message)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(theirs), got); err != nil {
		t.Fatal(err)
	}
	if got.UID != theirs.UID || got.Type != corev1.SecretTypeOpaque || string(got.Data["token"]) != "not yours" || len(got.Data) != 1 || len(got.OwnerReferences) != 0 {
		t.Errorf("the claim touched a Secret it does not control: type %s, keys %v, owners %v", got.Type, keys(got.Data), got.OwnerReferences)
	}
	if claim.Status.Binding != nil {
		t.Errorf("status.binding %+v names a Secret the claim does not control", claim.Status.Binding)
	}
}

// TestBindingDirectory runs hack/binding-dir.sh against the API server for a
// Ready claim and reads the directory it writes the way Spring Cloud Bindings
// does: the files are the Secret's keys and values, byte for byte, and the
// PostgreSQL mapping configures a Spring Boot DataSource from them with the
// claim's JDBC URL, asking for TLS.
func TestBindingDirectory(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatal("kubectl is needed to test hack/binding-dir.sh: install it (the sandbox needs it too)")
	}
	ctx, ns := setup(t, nil)
	class := dbClass("aws-binding-dir", nil)
	claim := dbClaim(ns, "orders", class.Name, dbv1.EnginePostgres, "16")
	create(ctx, t, class, claim)
	waitReady(ctx, t, claim)

	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig := writeKubeconfig(t)
	bindings := t.TempDir()
	run := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, filepath.Join(root, "hack/binding-dir.sh"), args...)
		cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "SERVICE_BINDING_ROOT="+bindings, "PATH="+filepath.Dir(kubectl)+string(os.PathListSeparator)+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run(ns, "orders")
	if err != nil {
		t.Fatalf("binding-dir.sh: %v\n%s", err, out)
	}
	t.Logf("binding-dir.sh: %s", strings.TrimSpace(out))

	// The directory is the Secret, one file per key, as kubelet projects it.
	s := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: claim.Status.Binding.Name}, s); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(bindings, "orders")
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name())
		got, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(s.Data[f.Name()]) {
			t.Errorf("%s/%s holds %q, the Secret %q", dir, f.Name(), got, s.Data[f.Name()])
		}
	}
	if !slices.Equal(names, keys(s.Data)) {
		t.Errorf("files %v, Secret keys %v", names, keys(s.Data))
	}

	// A Spring Boot application with spring-cloud-bindings on its classpath
	// gets this DataSource.
	bs, err := readBindings(bindings)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 1 || bs[0].name != "orders" || bs[0].typ != "postgresql" || bs[0].provider != "aws" {
		t.Fatalf("bindings %+v, want orders of type postgresql from aws", bs)
	}
	props := springPostgreSQL(bs)
	want := map[string]string{
		"spring.datasource.driver-class-name": "org.postgresql.Driver",
		"spring.datasource.url":               string(s.Data[contract.KeyJDBCURL]),
		"spring.datasource.username":          string(s.Data[contract.KeyUsername]),
		"spring.datasource.password":          string(s.Data[contract.KeyPassword]),
	}
	for k, v := range want {
		if props[k] != v {
			t.Errorf("%s = %q, want %q", k, props[k], v)
		}
	}
	if u := props["spring.datasource.url"]; !strings.HasPrefix(u, "jdbc:postgresql://"+string(s.Data[contract.KeyHost])+":5432/orders") || !strings.Contains(u, "sslmode=require") {
		t.Errorf("spring.datasource.url %q: not this claim's database, or without TLS", u)
	}
	if props["spring.datasource.password"] == "" {
		t.Error("no password")
	}
	// Quarkus appends ?sslmode=... to jdbc-url whenever there is an sslmode
	// key, which would break the URL: there is none.
	if _, ok := bs[0].secret["sslmode"]; ok {
		t.Error("the binding has an sslmode key")
	}

	// Run again: the directory is replaced, not added to; and a claim that
	// does not exist is an error that says so.
	if err := os.WriteFile(filepath.Join(dir, "stale"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := run(ns, "databaseclaim/orders"); err != nil {
		t.Fatalf("binding-dir.sh again: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "stale")); !os.IsNotExist(err) {
		t.Errorf("a file the Secret does not have survived: %v", err)
	}
	if out, err := run(ns, "nothere"); err == nil || !strings.Contains(out, "no claim nothere") {
		t.Errorf("binding-dir.sh for a claim that does not exist: %v: %s", err, out)
	}
}

// writeKubeconfig writes a kubeconfig for the test API server, as the
// cluster administrator the tests' client is.
func writeKubeconfig(t *testing.T) string {
	t.Helper()
	rc := env.Config
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["envtest"] = &clientcmdapi.Cluster{Server: rc.Host, CertificateAuthorityData: rc.CAData}
	cfg.AuthInfos["envtest"] = &clientcmdapi.AuthInfo{ClientCertificateData: rc.CertData, ClientKeyData: rc.KeyData, Token: rc.BearerToken}
	cfg.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "envtest"}
	cfg.CurrentContext = "envtest"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// eventFor finds an event of reason about the claim name whose message
// contains msg.
func eventFor(ctx context.Context, ns, name, reason, msg string) error {
	l := &corev1.EventList{}
	if err := env.Client.List(ctx, l, client.InNamespace(ns)); err != nil {
		return err
	}
	for _, e := range l.Items {
		if e.InvolvedObject.Name == name && e.Reason == reason && strings.Contains(e.Message, msg) {
			return nil
		}
	}
	return fmt.Errorf("no %s event about %s saying %q", reason, name, msg)
}

// A binding as Spring Cloud Bindings reads one from a directory.
type binding struct {
	name, typ, provider string
	secret              map[string]string
}

// readBindings ports org.springframework.cloud.bindings.Bindings and Binding
// (spring-cloud/spring-cloud-bindings, src/main/java/org/springframework/
// cloud/bindings/Binding.java): every directory under root is a binding;
// its non-hidden regular files are its entries, each value the file's
// content trimmed; type (or the older kind) and provider are taken out of
// the entries; a binding without a type is invalid.
func readBindings(root string) ([]binding, error) {
	dirs, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var out []binding
	for _, d := range dirs {
		if !d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			continue
		}
		b := binding{name: d.Name(), secret: map[string]string{}}
		files, err := os.ReadDir(filepath.Join(root, d.Name()))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if strings.HasPrefix(f.Name(), ".") || f.IsDir() {
				continue
			}
			v, err := os.ReadFile(filepath.Join(root, d.Name(), f.Name()))
			if err != nil {
				return nil, err
			}
			switch value := strings.TrimSpace(string(v)); f.Name() {
			case "type", "kind":
				b.typ = value
			case "provider":
				b.provider = value
			default:
				b.secret[f.Name()] = value
			}
		}
		if b.typ == "" {
			return nil, fmt.Errorf("%s has no type and is not a valid binding", d.Name())
		}
		out = append(out, b)
	}
	return out, nil
}

// springPostgreSQL ports the JDBC half of Spring Cloud Bindings'
// PostgreSqlBindingsPropertiesProcessor (spring-cloud/spring-cloud-bindings,
// src/main/java/org/springframework/cloud/bindings/boot/
// PostgreSqlBindingsPropertiesProcessor.java, with MapMapper): for every
// binding of type postgresql (compared ignoring case, as
// Bindings.filterBindings does), password and username map to the
// DataSource's; host, port and database, when all three are there, make
// jdbc:postgresql://host:port/database; jdbc-url, when there, takes
// precedence.
func springPostgreSQL(bs []binding) map[string]string {
	props := map[string]string{}
	for _, b := range bs {
		if !strings.EqualFold(b.typ, "postgresql") {
			continue
		}
		s := b.secret
		if v, ok := s["password"]; ok {
			props["spring.datasource.password"] = v
		}
		host, okh := s["host"]
		port, okp := s["port"]
		db, okd := s["database"]
		if okh && okp && okd {
			props["spring.datasource.url"] = fmt.Sprintf("jdbc:postgresql://%s:%s/%s", host, port, db)
		}
		if v, ok := s["username"]; ok {
			props["spring.datasource.username"] = v
		}
		if v, ok := s["jdbc-url"]; ok {
			props["spring.datasource.url"] = v
		}
		props["spring.datasource.driver-class-name"] = "org.postgresql.Driver"
	}
	return props
}
