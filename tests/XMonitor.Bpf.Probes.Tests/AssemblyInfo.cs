// The tests measure scheduling on a 2-CPU machine: a test's own load (spinning threads, sleepers)
// would distort another test's latencies and counts, so they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
