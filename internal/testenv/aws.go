package testenv

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	awsv1alpha1 "github.com/stowage-dev/stowage/apis/aws/v1alpha1"
)

// MotoCredentials is a shared-credentials file moto accepts; moto does not
// check signatures, so the keys are placeholders.
const MotoCredentials = "[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n"

// AWSProviderConfig creates a credentials Secret and a ProviderConfig named
// name in ns, pointing at endpoint in region us-east-1.
func AWSProviderConfig(ctx context.Context, c client.Client, ns, name, endpoint string) error {
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name + "-creds"},
		StringData: map[string]string{"credentials": MotoCredentials},
	}
	if err := c.Create(ctx, s); err != nil {
		return err
	}
	pc := &awsv1alpha1.ProviderConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: awsv1alpha1.ProviderConfigSpec{
			Region: "us-east-1",
			Credentials: awsv1alpha1.Credentials{
				Source:    awsv1alpha1.CredentialsSourceSecret,
				SecretRef: &awsv1alpha1.SecretKeySelector{Name: s.Name, Key: "credentials"},
			},
			Endpoint: &awsv1alpha1.Endpoint{URL: endpoint},
		},
	}
	return c.Create(ctx, pc)
}
