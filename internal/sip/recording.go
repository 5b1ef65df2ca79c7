package sip

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/plateau-cc/plateau/internal/media"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// Recordings: a queue with Recording on has its conversations written as
// 8 kHz mono WAV (both parties mixed) under
// RecordingsDir/<tenant>/<queue>/<contact>.wav; callers hear that the call
// may be recorded before anything else is said. The sweeper deletes a
// recording once it is older than its queue's retention.

const (
	// mixDelay is how long the mixer waits for the other party's audio of
	// the same instant before writing it.
	mixDelay = 300 * time.Millisecond
	// resyncGap: a party whose packets fall this far behind real time
	// (silence suppression, a stall) is placed at its arrival time again.
	resyncGap = 120 * time.Millisecond
	// sweepEvery is the period of the retention sweeper.
	sweepEvery = time.Hour
)

// recorder mixes the two parties of a call into one WAV file, placing each
// party's audio at its arrival time (contiguously while packets keep up).
type recorder struct {
	mu      sync.Mutex
	w       *media.WAVWriter
	start   time.Time
	now     func() time.Time
	mix     []int32 // pending samples, mix[0] is sample number written
	written int
	cursor  [2]int // where each party's next sample goes (absolute)
	err     error
}

func newRecorder(path string, now func() time.Time) (*recorder, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("recording folder: %w", err)
	}
	w, err := media.CreateWAV(path)
	if err != nil {
		return nil, fmt.Errorf("recording %s: %w", path, err)
	}
	return &recorder{w: w, start: now(), now: now, cursor: [2]int{-1, -1}}, nil
}

func (r *recorder) samplesAt(t time.Time) int {
	return int(t.Sub(r.start) * media.SampleRate / time.Second)
}

// add mixes pcm of party (0 the customer, 1 the agent) received now.
func (r *recorder) add(party int, pcm []int16) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil || r.w == nil {
		return
	}
	now := r.now()
	at := r.samplesAt(now) - len(pcm)
	pos := r.cursor[party]
	if pos < 0 || at-pos > int(resyncGap*media.SampleRate/time.Second) {
		pos = at
	}
	pos = max(pos, r.written)
	end := pos + len(pcm)
	if need := end - r.written; need > len(r.mix) {
		r.mix = append(r.mix, make([]int32, need-len(r.mix))...)
	}
	for i, v := range pcm {
		r.mix[pos-r.written+i] += int32(v)
	}
	r.cursor[party] = end
	r.flushLocked(r.samplesAt(now.Add(-mixDelay)))
}

// flushLocked writes the mixed samples before absolute position upTo.
func (r *recorder) flushLocked(upTo int) {
	n := min(upTo-r.written, len(r.mix))
	if n <= 0 {
		return
	}
	out := make([]int16, n)
	for i, v := range r.mix[:n] {
		out[i] = int16(max(-32768, min(32767, v)))
	}
	if err := r.w.Write(out); err != nil {
		r.err = err
		return
	}
	r.mix = r.mix[n:]
	r.written += n
}

// close writes what is left and closes the file.
func (r *recorder) close() error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.w == nil {
		return r.err
	}
	r.flushLocked(r.written + len(r.mix))
	err := errors.Join(r.err, r.w.Close())
	r.w = nil
	return err
}

// recordingPath is where a contact's recording goes.
func (s *Server) recordingPath(tenant, queue, contact int64) string {
	return filepath.Join(s.cfg.RecordingsDir, strconv.FormatInt(tenant, 10), strconv.FormatInt(queue, 10), strconv.FormatInt(contact, 10)+".wav")
}

// sweepRecordings deletes the recordings older than their queue's
// retention (a queue that no longer exists keeps them for the longest
// retention allowed). It returns how many files it deleted.
func (s *Server) sweepRecordings(ctx context.Context) (int, error) {
	root := s.cfg.RecordingsDir
	if root == "" {
		return 0, nil
	}
	now := s.now()
	deleted := 0
	tenants, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("sweep recordings: %w", err)
	}
	var errs []error
	for _, td := range tenants {
		tid, err := strconv.ParseInt(td.Name(), 10, 64)
		if err != nil || !td.IsDir() {
			continue
		}
		queues, err := os.ReadDir(filepath.Join(root, td.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, qd := range queues {
			qid, err := strconv.ParseInt(qd.Name(), 10, 64)
			if err != nil || !qd.IsDir() {
				continue
			}
			days := model.MaxRetentionDays
			q, err := s.st.GetQueue(ctx, tid, qid)
			switch {
			case err == nil && q.RecordingRetentionDays > 0:
				days = q.RecordingRetentionDays
			case err != nil && !errors.Is(err, store.ErrNotFound):
				errs = append(errs, err)
				continue
			}
			cutoff := now.Add(-time.Duration(days) * 24 * time.Hour)
			dir := filepath.Join(root, td.Name(), qd.Name())
			files, err := os.ReadDir(dir)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			for _, f := range files {
				if f.IsDir() || !strings.HasSuffix(f.Name(), ".wav") {
					continue
				}
				info, err := f.Info()
				if err != nil || !info.ModTime().Before(cutoff) {
					continue
				}
				if err := os.Remove(filepath.Join(dir, f.Name())); err != nil {
					errs = append(errs, err)
					continue
				}
				deleted++
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return deleted, fmt.Errorf("sweep recordings: %w", err)
	}
	return deleted, nil
}

// runSweeper sweeps at start and then every sweepEvery until ctx is done.
func (s *Server) runSweeper(ctx context.Context) {
	for {
		n, err := s.sweepRecordings(ctx)
		if err != nil {
			s.log.Error("sip: recordings retention", "err", err)
		} else if n > 0 {
			s.log.Info("sip: recordings past their retention deleted", "files", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(sweepEvery):
		}
	}
}
