package testenv

import (
	"context"
	"net/http"
)

// A LocalCloud is a local stand-in for a cloud's API that integration tests
// and the sandbox start: moto for AWS today, the project's own local clouds
// for Azure and Google. The harness starts any mix of them, each behind its
// own CallCounter.
type LocalCloud interface {
	// Name of the cloud, as classes and provider configs name it: aws,
	// azure, gcp.
	Name() string
	// Start the local cloud and return its base URL.
	Start(ctx context.Context) (string, error)
	// Reset drops every resource it holds.
	Reset(ctx context.Context) error
	// Stop it.
	Stop()
	// IsWrite reports whether a request changes state, by the rules of the
	// cloud's protocol: for the AWS Query protocol the Action decides (every
	// call is a POST), for ARM a POST .../listKeys is a read.
	IsWrite(r *http.Request, c Call) bool
}

// A Cloud is a started LocalCloud and the counter in front of it, whose URL
// provider configs point at.
type Cloud struct {
	LocalCloud
	// URL of the local cloud itself, for clients that talk to it behind the
	// provider's back.
	URL     string
	Counter *CallCounter
}

// StartCloud starts lc and a CallCounter in front of it.
func StartCloud(ctx context.Context, lc LocalCloud) (*Cloud, error) {
	url, err := lc.Start(ctx)
	if err != nil {
		return nil, err
	}
	cc, err := NewCallCounter(url, lc.IsWrite)
	if err != nil {
		lc.Stop()
		return nil, err
	}
	return &Cloud{LocalCloud: lc, URL: url, Counter: cc}, nil
}

// Stop the counter and the local cloud.
func (c *Cloud) Stop() {
	c.Counter.Close()
	c.LocalCloud.Stop()
}
