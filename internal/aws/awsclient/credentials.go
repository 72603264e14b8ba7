package awsclient

import (
	"bufio"
	"bytes"
	"strings"

	"github.com/crossplane/crossplane-runtime/v2/pkg/errors"
)

// StaticCredentials is an access key pair, as read from a credentials Secret.
type StaticCredentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
}

// ParseCredentials reads the [default] profile of an AWS shared-credentials
// file, the format `aws configure` writes and Crossplane's AWS providers use.
// Errors say what is missing, never what is there.
func ParseCredentials(data []byte) (StaticCredentials, error) {
	var c StaticCredentials
	section, found := "", false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		l := strings.TrimSpace(sc.Text())
		switch {
		case l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, ";"):
			continue
		case strings.HasPrefix(l, "[") && strings.HasSuffix(l, "]"):
			section = strings.TrimSpace(strings.TrimPrefix(strings.TrimSuffix(l, "]"), "["))
			found = found || section == "default"
			continue
		}
		if section != "default" {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			return StaticCredentials{}, errors.Errorf("line %d of the [default] profile is not key = value", line)
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "aws_access_key_id":
			c.AccessKeyID = v
		case "aws_secret_access_key":
			c.SecretAccessKey = v
		case "aws_session_token":
			c.SessionToken = v
		}
	}
	if err := sc.Err(); err != nil {
		return StaticCredentials{}, errors.Wrap(err, "cannot read credentials")
	}
	switch {
	case !found:
		return StaticCredentials{}, errors.New("no [default] profile: expected an AWS shared-credentials file with aws_access_key_id and aws_secret_access_key")
	case c.AccessKeyID == "":
		return StaticCredentials{}, errors.New("the [default] profile has no aws_access_key_id")
	case c.SecretAccessKey == "":
		return StaticCredentials{}, errors.New("the [default] profile has no aws_secret_access_key")
	}
	return c, nil
}
