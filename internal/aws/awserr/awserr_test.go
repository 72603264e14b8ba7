package awserr

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func TestErrors(t *testing.T) {
	api := fmt.Errorf("operation failed: %w", &smithy.GenericAPIError{Code: "DBInstanceNotFound", Message: "DBInstance x not found."})
	if !HasCode(api, "Other", "DBInstanceNotFound") || HasCode(api, "Other") || HasCode(errors.New("plain"), "DBInstanceNotFound") {
		t.Error("HasCode")
	}
	if got := Message(api); got != "DBInstance x not found." {
		t.Errorf("Message = %q", got)
	}
	if got := Message(errors.New("plain")); got != "plain" {
		t.Errorf("Message of a plain error = %q", got)
	}
	notFound := &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 404}}, Err: errors.New("not found")}}
	if got := HTTPStatus(fmt.Errorf("head: %w", notFound)); got != 404 {
		t.Errorf("HTTPStatus = %d", got)
	}
	if HTTPStatus(errors.New("plain")) != 0 {
		t.Error("HTTPStatus of a plain error")
	}
}
