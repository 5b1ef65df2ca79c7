package live

import (
	"context"
	"fmt"
)

// doOwn is do for a command whose caller reads nothing the engine stored
// before it: its caller hears back once the writes the command itself
// queued are committed (and so every write queued before them), at once
// when it queued none. A call setup that only joins a queue thus does not
// wait for the commit of the hang-ups and offers queued just before it.
func (c *Center) doOwn(ctx context.Context, fn func(o *owner) error) error {
	res := make(chan error, 1)
	select {
	case c.cmds <- func(o *owner) {
		mark := o.writes.Mark()
		err := fn(o)
		o.process()
		if wait := o.writes.PendingAfter(mark); wait != nil {
			go func() { wait(); res <- err }()
			return
		}
		res <- err
	}:
	case <-ctx.Done():
		return fmt.Errorf("live center: %w", ctx.Err())
	case <-c.done:
		return ErrStopped
	}
	select {
	case err := <-res:
		return err
	case <-ctx.Done():
		return fmt.Errorf("live center: %w", ctx.Err())
	case <-c.done:
		return ErrStopped
	}
}
