package live

import "context"

// doOwn is do for a command whose caller reads nothing the engine stored
// before it: its caller hears back once the writes the command itself
// queued are committed (and so every write queued before them), at once
// when it queued none. A call setup that only joins a queue thus does not
// wait for the commit of the hang-ups and offers queued just before it.
func (c *Center) doOwn(ctx context.Context, fn func(o *owner) error) error {
	return c.command(ctx, func(o *owner) (func(), error) {
		mark := o.writes.Mark()
		err := fn(o)
		o.process()
		return o.writes.PendingAfter(mark), err
	})
}
