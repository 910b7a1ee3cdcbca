package etcdops_test

import (
	"context"
	"time"

	"github.com/lifeboat-k8s/lifeboat/etcdops"
)

// planOf is what a batch of op previews, every change kept: the plan a
// front end shows before it asks, for tests that look at each change or
// apply a plan with Store.Apply.
func planOf(ctx context.Context, store *etcdops.Store, op etcdops.Operation) (*etcdops.Plan, error) {
	b, err := store.NewBatch(ctx, time.Now(), op)
	if err != nil {
		return nil, err
	}
	plan := &etcdops.Plan{Operation: op}
	err = b.Preview(ctx, func(_ int, c *etcdops.Change) error {
		plan.Changes = append(plan.Changes, *c)
		return nil
	})
	plan.Revision = b.Revision
	if err != nil {
		return nil, err
	}
	return plan, nil
}
