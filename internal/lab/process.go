package lab

import (
	"bufio"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/verdict-ci/verdict/internal/childproc"
)

// StartProcess runs s as its own process: bin is the labservice command
// (internal/lab/labservice, built by the caller), listening on a free
// loopback port. It returns the instance's base URL and a stop func that
// sends SIGTERM to that process (by its PID), kills it after 10 s, and
// reports how it ended.
func StartProcess(bin string, s Service) (url string, stop func() error, err error) {
	slowdown := s.Slowdown
	if slowdown == 0 {
		slowdown = 1
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0",
		"-median", s.Median.String(), "-sigma", fmtFloat(s.Sigma), "-slowdown", fmtFloat(slowdown),
		"-errors", fmtFloat(s.ErrorRate), "-seed", strconv.FormatUint(s.Seed, 10))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.SysProcAttr = childproc.Attr()
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("lab: start %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		for sc.Scan() { // keep draining, so the service never blocks on stdout
		}
		exited <- cmd.Wait()
	}()
	var once sync.Once
	var stopErr error
	stop = func() error {
		once.Do(func() {
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
				stopErr = fmt.Errorf("lab: stop pid %d: %w", cmd.Process.Pid, err)
			}
			select {
			case err := <-exited:
				if err != nil && stopErr == nil {
					stopErr = fmt.Errorf("lab: instance (pid %d) ended with %v: %s", cmd.Process.Pid, err, strings.TrimSpace(stderr.String()))
				}
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-exited
				stopErr = fmt.Errorf("lab: instance (pid %d) ignored SIGTERM for 10 s; killed", cmd.Process.Pid)
			}
		})
		return stopErr
	}
	select {
	case line, ok := <-lines:
		if u, found := strings.CutPrefix(line, "listening on "); ok && found {
			return u, stop, nil
		}
		stop()
		return "", nil, fmt.Errorf("lab: %s did not say where it listens (%q): %s", bin, line, strings.TrimSpace(stderr.String()))
	case <-time.After(30 * time.Second):
		stop()
		return "", nil, fmt.Errorf("lab: %s did not start within 30 s: %s", bin, strings.TrimSpace(stderr.String()))
	}
}

func fmtFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
