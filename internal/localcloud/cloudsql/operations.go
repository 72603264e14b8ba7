package cloudsql

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"time"

	sqladmin "google.golang.org/api/sqladmin/v1"
)

// An operation is a sql#operation and what happens when it is DONE.
type operation struct {
	op       *sqladmin.Operation
	project  string
	instance string // the instance it runs on; it holds the instance until DONE
	started  time.Time
	done     time.Time
	// finish applies the operation's effect; an error fails it.
	finish func(now time.Time) *sqladmin.OperationError
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// start records an operation of type typ on instance inst, which finishes
// after the configured delay.
func (c *call) start(project, inst, typ string, finish func(time.Time) *sqladmin.OperationError) *sqladmin.Operation {
	s := c.s
	name := newID()
	o := &operation{
		project: project, instance: inst, started: c.now, done: c.now.Add(s.opts.OperationDelay), finish: finish,
		op: &sqladmin.Operation{
			Kind:          "sql#operation",
			Name:          name,
			OperationType: typ,
			Status:        "PENDING",
			InsertTime:    rfc3339(c.now),
			User:          "cloudsql-local@stowage.dev",
			TargetId:      inst,
			TargetProject: project,
			TargetLink:    c.base + "projects/" + project + "/instances/" + inst,
			SelfLink:      c.base + "projects/" + project + "/operations/" + name,
		},
	}
	s.ops[key(project, name)] = o
	s.opOrder = append(s.opOrder, key(project, name))
	s.advance(c.now)
	return copyOp(o.op)
}

func copyOp(o *sqladmin.Operation) *sqladmin.Operation {
	c := *o
	return &c
}

// advance moves every operation to where now puts it.
func (s *server) advance(now time.Time) {
	for _, k := range s.opOrder {
		o := s.ops[k]
		if o == nil || o.op.Status == "DONE" {
			continue
		}
		d := o.done.Sub(o.started)
		if !now.Before(o.started.Add(d/3)) && o.op.Status == "PENDING" {
			o.op.Status = "RUNNING"
			o.op.StartTime = rfc3339(o.started.Add(d / 3))
		}
		if now.Before(o.done) {
			continue
		}
		o.op.Status = "DONE"
		if o.op.StartTime == "" {
			o.op.StartTime = rfc3339(o.started)
		}
		o.op.EndTime = rfc3339(o.done)
		if o.finish != nil {
			if e := o.finish(o.done); e != nil {
				e.Kind = "sql#operationError"
				o.op.Error = &sqladmin.OperationErrors{Kind: "sql#operationErrors", Errors: []*sqladmin.OperationError{e}}
			}
		}
	}
}

// busy reports whether an operation runs on the instance.
func (s *server) busy(project, inst string) bool {
	for _, k := range s.opOrder {
		o := s.ops[k]
		if o.project == project && o.instance == inst && o.op.Status != "DONE" {
			return true
		}
	}
	return false
}

func (c *call) getOperation(project, name string) (any, error) {
	o := c.s.ops[key(project, name)]
	if o == nil {
		return nil, notFound("The Cloud SQL operation does not exist.", "operationDoesNotExist")
	}
	return copyOp(o.op), nil
}

// listOperations lists a project's operations, newest first, optionally
// only those of one instance, paged by maxResults and pageToken.
func (c *call) listOperations(project string) (any, error) {
	inst := c.q("instance")
	var items []*sqladmin.Operation
	for _, k := range slices.Backward(c.s.opOrder) {
		o := c.s.ops[k]
		if o.project == project && (inst == "" || o.instance == inst) {
			items = append(items, copyOp(o.op))
		}
	}
	page, next, err := paginate(items, c.q("maxResults"), c.q("pageToken"), 500, c.s.opts.PageSize)
	if err != nil {
		return nil, err
	}
	return &sqladmin.OperationsListResponse{Kind: "sql#operationsList", Items: page, NextPageToken: next}, nil
}

// maxPage is the most items Cloud SQL returns a page, whatever maxResults
// asks ("values above 1000 are coerced to 1000").
const maxPage = 1000

// paginate returns one page of items after the opaque token, and the token
// of the next page: def items without maxResults, at most maxPage, and at
// most size when size is set (Options.PageSize).
func paginate[T any](items []T, maxResults, token string, def, size int) ([]T, string, error) {
	n := def
	if maxResults != "" {
		v, err := strconv.Atoi(maxResults)
		if err != nil || v <= 0 {
			return nil, "", badRequest("Invalid value for maxResults: " + maxResults)
		}
		n = min(v, maxPage)
	}
	if size > 0 {
		n = min(n, size)
	}
	from := 0
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if err == nil {
			from, err = strconv.Atoi(string(b))
		}
		if err != nil || from < 0 || from > len(items) {
			return nil, "", &apiError{Code: http.StatusBadRequest, Status: "INVALID_ARGUMENT", Reason: "invalid", Message: "Invalid page token."}
		}
	}
	to := min(from+n, len(items))
	next := ""
	if to < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(to)))
	}
	return items[from:to], next, nil
}
