package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Node is a running bench node.
type Node interface {
	// PID is the node's process id; an in-process node reports the bench's
	// own.
	PID() int
	// Stop asks the node to shut down gracefully and waits until it has,
	// killing it when ctx ends first.
	Stop(ctx context.Context) error
	// Kill ends the node at once: SIGKILL for a process. An in-process
	// node cannot be killed and shuts down as fast as it can instead.
	Kill() error
	// Done is closed when the node has exited.
	Done() <-chan struct{}
}

// StartNodeFunc starts a bench node of role on the database at url.
type StartNodeFunc func(ctx context.Context, role, url string) (Node, error)

// ExecNodes starts nodes as OS processes: exe bench node --role R
// --database-url URL, with their output prefixed to out.
func ExecNodes(exe string, out io.Writer) StartNodeFunc {
	var (
		mu  sync.Mutex
		seq = map[string]int{}
		lw  = &lockedWriter{w: out}
	)
	return func(ctx context.Context, role, url string) (Node, error) {
		mu.Lock()
		seq[role]++
		name := fmt.Sprintf("%s-%d", role, seq[role])
		mu.Unlock()
		cmd := exec.CommandContext(ctx, exe, "bench", "node", "--role", role, "--database-url", url)
		w := &prefixWriter{prefix: []byte("[" + name + "] "), w: lw}
		cmd.Stdout, cmd.Stderr = w, w
		cmd.SysProcAttr = nodeProcAttr()
		cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
		cmd.WaitDelay = 2 * nodeShutdown
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("start %s node: %w", role, err)
		}
		n := &execNode{cmd: cmd, done: make(chan struct{})}
		go func() {
			n.err = cmd.Wait()
			w.Flush()
			close(n.done)
		}()
		return n, nil
	}
}

type execNode struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func (n *execNode) PID() int              { return n.cmd.Process.Pid }
func (n *execNode) Done() <-chan struct{} { return n.done }

func (n *execNode) Kill() error {
	if err := n.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill node %d: %w", n.PID(), err)
	}
	<-n.done
	return nil
}

func (n *execNode) Stop(ctx context.Context) error {
	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop node %d: %w", n.PID(), err)
	}
	select {
	case <-n.done:
		return nil
	case <-ctx.Done():
		return n.Kill()
	}
}

// InProcessNodes starts nodes as goroutines running RunNode in this process
// (tests, and machines without the vigil binary). Their CPU and memory are
// the whole process's, and Kill is a fast graceful stop.
func InProcessNodes(log *slog.Logger) StartNodeFunc {
	return func(ctx context.Context, role, url string) (Node, error) {
		if _, _, err := roleParts(role); err != nil {
			return nil, err
		}
		ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		n := &procNode{cancel: cancel, done: make(chan struct{})}
		go func() {
			defer close(n.done)
			if err := RunNode(ctx, role, url, log); err != nil && log != nil {
				log.Error("in-process bench node", "role", role, "error", err)
			}
		}()
		return n, nil
	}
}

type procNode struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func (n *procNode) PID() int              { return os.Getpid() }
func (n *procNode) Done() <-chan struct{} { return n.done }
func (n *procNode) Kill() error           { n.cancel(); <-n.done; return nil }

func (n *procNode) Stop(ctx context.Context) error {
	n.cancel()
	select {
	case <-n.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("in-process node did not stop: %w", ctx.Err())
	}
}

// lockedWriter serialises writes of several nodes to one writer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// prefixWriter writes whole lines, each with prefix.
type prefixWriter struct {
	mu     sync.Mutex
	prefix []byte
	w      io.Writer
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		line := append(append([]byte(nil), p.prefix...), p.buf[:i+1]...)
		p.buf = p.buf[i+1:]
		if _, err := p.w.Write(line); err != nil {
			return len(b), err
		}
	}
	return len(b), nil
}

// Flush writes a last unterminated line.
func (p *prefixWriter) Flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) > 0 {
		line := append(append(append([]byte(nil), p.prefix...), p.buf...), '\n')
		p.buf = nil
		_, _ = p.w.Write(line)
	}
}

// stopAll stops nodes gracefully, each within timeout.
func stopAll(nodes []Node, timeout time.Duration) error {
	var wg sync.WaitGroup
	errs := make([]error, len(nodes))
	for i, n := range nodes {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			errs[i] = n.Stop(ctx)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
