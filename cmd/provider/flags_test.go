package main

import (
	"strings"
	"testing"
	"time"
)

func TestFlags(t *testing.T) {
	type want struct {
		poll      time.Duration
		debug     bool
		leader    bool
		rate      int
		rateSet   bool
		errSubstr string
	}
	cases := map[string]struct {
		args []string
		env  map[string]string
		want want
	}{
		"Defaults":            {want: want{poll: time.Minute, rate: 10}},
		"CommandLine":         {args: []string{"--poll=30s", "-d", "--max-reconcile-rate", "5"}, want: want{poll: 30 * time.Second, debug: true, rate: 5, rateSet: true}},
		"Environment":         {env: map[string]string{"PROVIDER_POLL": "2m", "PROVIDER_DEBUG": "true", "LEADER_ELECTION": "true"}, want: want{poll: 2 * time.Minute, debug: true, leader: true, rate: 10}},
		"CommandLineWins":     {args: []string{"--poll=30s"}, env: map[string]string{"PROVIDER_POLL": "2m"}, want: want{poll: 30 * time.Second, rate: 10}},
		"EnvironmentSetsRate": {env: map[string]string{"PROVIDER_MAX_RECONCILE_RATE": "3"}, want: want{poll: time.Minute, rate: 3, rateSet: true}},
		"NoBool":              {args: []string{"--no-debug"}, env: map[string]string{"PROVIDER_DEBUG": "true"}, want: want{poll: time.Minute, rate: 10}},
		"BadEnvironment":      {env: map[string]string{"PROVIDER_POLL": "soon"}, want: want{errSubstr: "$PROVIDER_POLL"}},
		"BadFlag":             {args: []string{"--poll=soon"}, want: want{errSubstr: "--poll"}},
		"UnknownFlag":         {args: []string{"--no-such"}, want: want{errSubstr: "no-such"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFlags("provider")
			poll := f.Duration("poll", time.Minute, "")
			debug := f.BoolP("debug", "d", false, "")
			leader := f.Bool("leader-election", false, "")
			rate := f.Int("max-reconcile-rate", 10, "")
			f.envars["leader-election"] = "LEADER_ELECTION"
			err := f.parse(tc.args, func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			if tc.want.errSubstr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want.errSubstr) {
					t.Fatalf("parse: got error %v, want one naming %q", err, tc.want.errSubstr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := want{poll: *poll, debug: *debug, leader: *leader, rate: *rate, rateSet: f.Changed("max-reconcile-rate")}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
