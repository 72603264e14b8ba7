// Package awserr reads the errors the AWS SDK returns, the same way for every
// AWS kind.
package awserr

import (
	"errors"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// HasCode reports whether err is an AWS API error with one of codes.
func HasCode(err error, codes ...string) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, c := range codes {
		if ae.ErrorCode() == c {
			return true
		}
	}
	return false
}

// Message is the API error's own message, without the SDK's operation
// wrapping, or err's text when it is no API error.
func Message(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return err.Error()
}

// HTTPStatus is the HTTP status of the response that failed, or 0. Calls
// whose error responses have no body (S3's HeadBucket) can only be told
// apart by it.
func HTTPStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}
