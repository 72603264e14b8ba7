package testenv

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
)

// TestMotoCreatesMoreThanAThousandDBInstances: moto as the project starts
// it accepts a 1,001st DB instance (MotoEnv). Without it, moto stores the
// instance and then answers SnapshotQuotaExceeded, and the 10,000-resource
// benchmark saw half its CreateDBInstance calls fail.
func TestMotoCreatesMoreThanAThousandDBInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 1,001 DB instances")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	m, err := StartMoto(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	c := rds.New(rds.Options{Region: "us-east-1", BaseEndpoint: aws.String(m.URL), Credentials: motoCredentials})
	for i := range 1001 {
		_, err := c.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
			DBInstanceIdentifier: aws.String(fmt.Sprintf("db-%d", i)),
			DBInstanceClass:      aws.String("db.t3.micro"),
			Engine:               aws.String("postgres"),
			MasterUsername:       aws.String("stowage"),
			MasterUserPassword:   aws.String("not-a-secret-0123"),
			AllocatedStorage:     aws.Int32(20),
		})
		if err != nil {
			t.Fatalf("CreateDBInstance %d: %v", i+1, err)
		}
	}
}
