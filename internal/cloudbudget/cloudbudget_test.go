package cloudbudget

import (
	"context"
	"testing"
	"time"
)

func TestBudgetIsPerKeyAndBounded(t *testing.T) {
	b := NewWithLimit(1, 3)
	k1 := Key{Cloud: "aws", Account: "a", Service: "S3"}
	k2 := Key{Cloud: "aws", Account: "a", Service: "RDS"}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	for i := range 3 {
		if err := b.Wait(ctx, k1); err != nil {
			t.Fatalf("call %d within the burst waited: %v", i, err)
		}
	}
	// The fourth would wait a second, past the deadline.
	if err := b.Wait(ctx, k1); err == nil {
		t.Error("a call beyond the burst did not wait")
	}
	// Another service of the same account has its own budget.
	if err := b.Wait(ctx, k2); err != nil {
		t.Errorf("another key's first call waited: %v", err)
	}
}

func TestThrottledHalvesAndRecovers(t *testing.T) {
	b := NewWithLimit(16, 10)
	k := Key{Cloud: "azure", Account: "sub", Service: "arm"}
	b.Throttled(k)
	if r, _ := b.Limit(k); r != 8 {
		t.Errorf("after one throttling: rate %v, want 8", r)
	}
	for range 10 {
		b.Throttled(k)
	}
	if r, _ := b.Limit(k); r != 1 {
		t.Errorf("after many: rate %v, want the floor 1", r)
	}
	bk := b.bucket(k)
	bk.mu.Lock()
	bk.throttled = time.Now().Add(-recovery / 2)
	bk.mu.Unlock()
	bk.recover(k)
	if r, _ := b.Limit(k); r < 8 || r > 9 {
		t.Errorf("half the recovery period later: rate %v, want about 8.5", r)
	}
	bk.mu.Lock()
	bk.throttled = time.Now().Add(-recovery)
	bk.mu.Unlock()
	bk.recover(k)
	if r, _ := b.Limit(k); r != 16 {
		t.Errorf("after the recovery period: rate %v, want 16", r)
	}
}

func TestNoLimit(t *testing.T) {
	b := NewWithLimit(0, 0)
	k := Key{Cloud: "gcp"}
	for range 1000 {
		if err := b.Wait(context.Background(), k); err != nil {
			t.Fatal(err)
		}
	}
	b.Throttled(k)
}

func TestPublishedLimits(t *testing.T) {
	b := New()
	if r, burst := b.Limit(Key{Cloud: "aws", Account: "1/eu-west-1", Service: "RDS"}); r != 12 || burst != 300 {
		t.Errorf("RDS: %v/s burst %d, want RDS's published 12/s burst 300", r, burst)
	}
	if r, burst := b.Limit(Key{Cloud: "aws", Account: "1/eu-west-1", Service: "S3"}); r != Unpublished.Rate || burst != Unpublished.Burst {
		t.Errorf("S3: %v/s burst %d, want the unpublished default", r, burst)
	}
}

func TestSpare(t *testing.T) {
	b := NewWithLimit(0.001, 10)
	k := Key{Cloud: "aws", Service: "S3"}
	for i := range 10 {
		if !b.Spare(k) && i < 5 {
			t.Fatalf("after %d of 10 calls: no spare budget", i)
		}
		if err := b.Wait(context.Background(), k); err != nil {
			t.Fatal(err)
		}
	}
	if b.Spare(k) {
		t.Error("a spent budget has spare")
	}
}

// TestNoCallWithoutTimeToAnswer: a call that must wait for its budget goes
// only if its context leaves it time to be answered afterwards; one that
// would go with its deadline almost up is not sent at all, and leaves its
// slot to the next call.
func TestNoCallWithoutTimeToAnswer(t *testing.T) {
	b := NewWithLimit(2, 1) // after the first call, a slot every 500 ms
	k := Key{Cloud: "aws", Account: "a", Service: "RDS"}
	if err := b.Wait(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	// 600 ms left: the slot in (up to) 500 ms would leave less than half.
	// Still so if the test is held up for 200 ms before asking.
	short, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	if err := b.Wait(short, k); err == nil {
		t.Fatal("a call went with too little time left to be answered")
	}
	// A minute left: it waits for the slot (which the refused call gave
	// back) and goes.
	long, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := b.Wait(long, k); err != nil {
		t.Errorf("a call with time to spare did not go: %v", err)
	}
}
