package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A proc is one process the harness started, in a process group of its own
// (as sandbox.sh's setsid), logging to STATE/NAME.log.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

// start runs bin in its own process group; env is added to the harness's.
func start(stateDir, name string, env []string, bin string, args ...string) (*proc, error) {
	logPath := filepath.Join(stateDir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(withoutProviderEnvars(os.Environ()), env...)
	// Its own group: a Ctrl-C at the terminal reaches the harness only, and
	// stop can end the process with everything it forked.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

// withoutProviderEnvars drops the variables that set the provider's flags
// (PROVIDER_POLL, ...: cmd/provider's flags.go), so a developer's
// environment cannot change the defaults the benchmark runs with.
func withoutProviderEnvars(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "PROVIDER_") && !strings.HasPrefix(kv, "LEADER_ELECTION=") {
			out = append(out, kv)
		}
	}
	return out
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop ends p's process group with SIGTERM, then SIGKILL after grace. The
// control plane's kube-apiserver and etcd run in process groups of their
// own (envtest sets Setpgid), so p's descendants are recorded first and
// killed too if they outlive it.
func (p *proc) stop(grace time.Duration) {
	if p == nil || p.cmd.Process == nil {
		return
	}
	desc := descendants(p.pid())
	_ = syscall.Kill(-p.pid(), syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
		<-p.done
	}
	for pid, comm := range desc {
		// Only a process still running under the recorded name: its pid
		// has not been reused.
		if c, err := readComm(pid); err == nil && c == comm {
			if pgid, err := syscall.Getpgid(pid); err == nil && pgid == pid {
				_ = syscall.Kill(-pid, syscall.SIGKILL)
			} else {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
}

// tail is the end of p's log, for error messages.
func (p *proc) tail(n int) string {
	b, err := os.ReadFile(p.log)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return fmt.Sprintf("--- %s (%s):\n%s", p.name, p.log, strings.Join(lines, "\n"))
}

// waitFor calls ok every 200ms until it returns true, p exits or timeout.
func waitFor(ctx context.Context, p *proc, timeout time.Duration, what string, ok func() bool) error {
	deadline := time.Now().Add(timeout)
	for !ok() {
		if p != nil && p.exited() {
			return fmt.Errorf("%s exited while waiting for %s\n%s", p.name, what, p.tail(20))
		}
		if time.Now().After(deadline) {
			msg := fmt.Sprintf("timed out after %s waiting for %s", timeout, what)
			if p != nil {
				msg += "\n" + p.tail(20)
			}
			return errors.New(msg)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil
}

func httpOK(url string) func() bool {
	c := &http.Client{Timeout: 2 * time.Second}
	return func() bool {
		resp, err := c.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode < 300
	}
}

// descendants maps every descendant of pid to its command name.
func descendants(root int) map[int]string {
	children := map[int][]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := readStat(pid); err == nil {
			children[st.ppid] = append(children[st.ppid], pid)
		}
	}
	out := map[int]string{}
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		for _, c := range children[pid] {
			if comm, err := readComm(c); err == nil {
				out[c] = comm
			}
			queue = append(queue, c)
		}
	}
	return out
}

func readComm(pid int) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b)), err
}

type stat struct {
	ppid     int
	cpuTicks int64 // utime + stime
}

// readStat reads /proc/PID/stat; the command name may hold spaces and
// parentheses, so fields are counted after the last ')'.
func readStat(pid int) (stat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return stat{}, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return stat{}, fmt.Errorf("bad /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
	if len(f) < 13 {
		return stat{}, fmt.Errorf("short /proc/%d/stat", pid)
	}
	ppid, _ := strconv.Atoi(f[1])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return stat{ppid: ppid, cpuTicks: ut + st}, nil
}

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicks = 100

// usage is a snapshot of one component's processes.
type usage struct {
	at       time.Time
	rssKiB   int64
	hwmKiB   int64
	anonKiB  int64
	cpuTicks int64
}

// usageOf sums VmRSS, VmHWM and CPU time over pids (a component may be
// more than one process, as moto_server's Python may fork).
func usageOf(pids []int) usage {
	u := usage{at: time.Now()}
	for _, pid := range pids {
		if st, err := readStat(pid); err == nil {
			u.cpuTicks += st.cpuTicks
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(l, ":")
			if !ok {
				continue
			}
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			switch k {
			case "VmRSS":
				u.rssKiB += n
			case "VmHWM":
				u.hwmKiB += n
			case "RssAnon":
				u.anonKiB += n
			}
		}
	}
	return u
}

// cores is the CPU used between a and b, in cores.
func cores(a, b usage) float64 {
	secs := b.at.Sub(a.at).Seconds()
	if secs <= 0 {
		return 0
	}
	return float64(b.cpuTicks-a.cpuTicks) / clockTicks / secs
}

// A component is what the report shows RSS and CPU for: a process tree,
// or the descendants of one with a given command name.
type component struct {
	name string
	pids func() []int
}

func treeOf(p *proc) func() []int {
	return func() []int {
		pids := []int{p.pid()}
		for pid := range descendants(p.pid()) {
			pids = append(pids, pid)
		}
		return pids
	}
}

func childNamed(p *proc, comm string) func() []int {
	return func() []int {
		var pids []int
		for pid, c := range descendants(p.pid()) {
			if c == comm {
				pids = append(pids, pid)
			}
		}
		return pids
	}
}
