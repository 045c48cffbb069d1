/**
 * The bench modules `npm run bench` runs, and what their headline figures mean: unit, goal, the figure that
 * is their baseline (measured in the same run) and how many repeated runs the value summarises.
 */
export interface BenchModule {
  name: string;
  /** File under bench/. */
  file: string;
  /** Exported async function; falls back to the default export. */
  exportName: string;
  /** Prepended to figure names that have no "<module>." prefix of their own. */
  prefix?: string;
  /** A module a colleague may not have written yet: its absence is "not measured", not a failure. */
  optional?: boolean;
}

export const MODULES: BenchModule[] = [
  { name: "sandbox", file: "sandbox.ts", exportName: "benchSandbox" },
  { name: "orchestrator", file: "orchestrator.ts", exportName: "benchOrchestrator" },
  { name: "parallel", file: "parallel.ts", exportName: "benchParallel" },
  { name: "stream", file: "stream.ts", exportName: "benchStream" },
  { name: "stream-live", file: "stream-live.ts", exportName: "benchStreamLive" },
  { name: "one-step", file: "one-step.ts", exportName: "benchOneStep" },
  { name: "startup", file: "startup.ts", exportName: "benchStartup" },
  { name: "fair-queue", file: "fair-queue.ts", exportName: "benchFairQueue" },
  { name: "runs", file: "runs.ts", exportName: "benchRuns", optional: true },
  { name: "workers", file: "workers.ts", exportName: "benchWorkers", optional: true },
  { name: "history", file: "history.ts", exportName: "benchHistory" },
  { name: "diff", file: "diff.ts", exportName: "benchDiff" },
  { name: "index", file: "index.ts", exportName: "benchIndex" },
  { name: "retrieval", file: "retrieval.ts", exportName: "benchRetrieval", optional: true },
  { name: "llm-client", file: "llm-client.ts", exportName: "benchLlmClient", prefix: "llm_client." },
  { name: "mcp", file: "mcp.ts", exportName: "benchMcp" },
  { name: "seed", file: "seed.ts", exportName: "benchSeed" },
  { name: "environments", file: "environments.ts", exportName: "benchEnvironments" },
  { name: "reliability", file: "hostile-inputs.ts", exportName: "benchHostileInputs" },
  { name: "timeline", file: "timeline.ts", exportName: "benchTimeline" },
  { name: "big-run-page", file: "big-run-page.ts", exportName: "benchBigRunPage" },
  { name: "insights", file: "insights.ts", exportName: "benchInsights" },
  { name: "verification", file: "verification.ts", exportName: "benchVerification" },
  { name: "coder-tester", file: "coder-tester.ts", exportName: "benchCoderTester" },
];

export interface Goal {
  op: "<=" | ">=" | "==";
  value: number;
}

export interface FigureSpec {
  module: string;
  unit: string;
  meaning: string;
  goal?: Goal;
  /** Why the goal is what it is. */
  goalWhy?: string;
  /** Name of the figure this one is compared with, measured in the same run. */
  baseline?: string;
  /** Repeated runs behind the value: a figure name holding the count, or fixed counts. */
  runs?: string | { quick: number; full: number };
}

export const HEADLINE: Record<string, FigureSpec> = {
  "insights.project_10k_ms": {
    module: "insights",
    unit: "ms",
    meaning: "The insights page's queries (getProjectInsights: outcomes per day, medians, cost by agent and model, failure reasons, slowest steps) over a project with 10,000 runs, 30,000 steps and 30,000 usage rows, all in the range, next to a neighbour project of the same size; median.",
    goal: { op: "<=", value: 150 },
    goalWhy: "issue #22: a project's insights load fast",
    runs: "insights.repetitions",
  },
  "timeline.render_ms": {
    module: "timeline",
    unit: "ms",
    meaning: "A run of 2,000 events (8 parallel steps, ~1,300 model calls and commands): fold the parsed events into the run timeline (fold-run-timeline.ts) and render its SVG chart to markup with React's production build; median.",
    goal: { op: "<=", value: 100 },
    goalWhy: "issue #22: a long run's timeline draws within a frame budget a reader does not notice",
    baseline: "timeline.fold_ms",
    runs: "timeline.runs",
  },
  "verify.rerun_ms": {
    module: "verification",
    unit: "ms",
    meaning: "The independent re-verification of a one-step run, median: a fresh container kept warm in the pool (isolated, same limits), git archive of the branch head seeded, frozen tests written back, pytest forked by its resident runner (started before the seed; cache off), report parsed and cross-checked.",
    baseline: "verify.pool_pytest_ms",
    runs: "verify.runs",
  },
  "step.coder_tester_overlap": {
    module: "coder-tester",
    unit: "x",
    meaning:
      "A one-step task (a new calc.py) with 300 ms per model answer, the real sandbox running its tests: the step's wall time (step.started to step.finished) with the independent tester asked alongside the coder, divided by the same step with the tester after the coder (settings.testerAfterCoder), both medians of the same run, alternating order.",
    goal: { op: "<=", value: 0.75 },
    goalWhy: "issue #13: the tester runs concurrently with the coder, so a step costs one model round trip less",
    baseline: "step.sequential_ms",
    runs: "step.coder_tester_runs",
  },
  "step.tester_started_early": {
    module: "coder-tester",
    unit: "share",
    meaning: "Share of the concurrent runs whose tester request reached the model before the coder's answer had ended.",
    goal: { op: "==", value: 1 },
    goalWhy: "issue #13: the tester's request starts before the coder's answer ends",
    runs: "step.coder_tester_runs",
  },
  "step.coder_tester_load1": {
    module: "coder-tester",
    unit: "load",
    meaning: "The machine's 1-minute load average during the coder-tester bench, median over rounds (2 cores).",
  },
  "verify.rerun_vs_pool_ratio": {
    module: "verification",
    unit: "x",
    meaning: "verify.rerun_ms divided by the same pytest through the warm pool's resident runner (verify.pool_pytest_ms), both measured in this run.",
    goal: { op: "<=", value: 1.5 },
    goalWhy: "issue #13: the independent re-run may need a fresh container, but at most 1.5x the warm pool's pytest",
    runs: "verify.runs",
  },
  "reliability.hostile_inputs": {
    module: "reliability",
    unit: "share held",
    meaning:
      "The outside attack's inputs replayed against the real services (symlinks out of an imported repository, share-page leaks, NUL bytes and lone surrogates in the record, SSRF to loopback/link-local/Docker gateway, X-Forwarded-For rotation and lock-out, a 1,000-step plan, bidi file names, a removed member's links, invite-only sign-up): held / tried.",
    goal: { op: "==", value: 1 },
    goalWhy: "issue #15: every hostile input held",
    runs: "reliability.hostile_inputs_tried",
  },
  "sandbox.pool_p50_ms": {
    module: "sandbox",
    unit: "ms",
    meaning: "A 2-test pytest file through the sandbox from the warm pool: take a running box, write the file, run pytest, parse its JUnit report.",
    goal: { op: "<=", value: 500 },
    goalWhy: "a debug iteration should wait on the model, not on the sandbox",
    baseline: "sandbox.raw_docker_p50_ms",
    runs: "sandbox.runs",
  },
  "sandbox.pool_vs_raw_ratio": {
    module: "sandbox",
    unit: "x",
    meaning: "sandbox.pool_p50_ms divided by a plain `docker run --rm` of the same pytest command, both measured in this run.",
    goal: { op: "<=", value: 0.5 },
    goalWhy: "issue #3: the pool must take at most half the time of a plain docker run",
    runs: "sandbox.runs",
  },
  "sandbox.cold_p50_ms": {
    module: "sandbox",
    unit: "ms",
    meaning: "The same with no warm pool: a fresh container is created and started for the session.",
    baseline: "sandbox.raw_docker_p50_ms",
    runs: "sandbox.runs",
  },
  "sandbox.raw_docker_p50_ms": {
    module: "sandbox",
    unit: "ms",
    meaning: "Baseline: a plain `docker run --rm` of the same tests under the same limits.",
    runs: "sandbox.runs",
  },
  "sandbox.exec_floor_p50_ms": {
    module: "sandbox",
    unit: "ms",
    meaning: "Floor: a bare `docker exec CONTAINER python3 -c pass` into a running box.",
    runs: "sandbox.runs",
  },
  "orchestrator.overhead_p50_ms": {
    module: "orchestrator",
    unit: "ms",
    meaning:
      "A one-step task end to end through runTask (plan, code, tests, step run, full run, critic, git commit) with a zero-latency fake model and the real sandbox, until runTask returns (the after-run work, off the run's path, is not counted), minus the commands' own durations (the agents' sandbox.command events and the independent re-verification's commands) and the sessions' opens. What remains is the orchestrator's own work plus the sandbox's transport (file writes, docker exec round trips, close): see orchestrator.overhead_outside_sandbox_calls_p50_ms.",
    goal: { op: "<=", value: 500 },
    goalWhy: "the engine's cost per task should stay below one model call",
    baseline: "orchestrator.total_p50_ms",
    runs: "orchestrator.runs",
  },
  "parallel.speedup": {
    module: "parallel",
    unit: "x",
    meaning:
      "Six independent steps, 300 ms per model answer, three workers (MAX_PARALLEL_WORKERS=3), against the same plan with parallel execution off, alternated in the same run: median serial time / median parallel time. The parallel run must really overlap steps (more than the 2 requests, coder and independent tester, of one step in flight) and the serial run must not (exactly 2), or the bench fails.",
    goal: { op: ">=", value: 2 },
    goalWhy: "three workers on six steps; the planner, the full test run and the critic stay serial, so 3x is out of reach",
    baseline: "parallel.serial_p50_ms",
    runs: "parallel.runs",
  },
  "stream.p99_ms": {
    module: "stream",
    unit: "ms",
    meaning:
      "50 concurrent SSE subscribers of run.events (real tRPC router over HTTP, API-token auth) while a writer appends model tokens through RunEventLog and appendRunEvent (Postgres) at ~2,000 tokens/s: 99th percentile of receive time minus the moment appendRunEvent was called, per delivered event; median over runs.",
    goal: { op: "<=", value: 250 },
    goalWhy: "tokens arrive in 50 ms batches; a live view should trail the model by well under a second",
    runs: "stream.runs",
  },
  "stream.lost": {
    module: "stream",
    unit: "events",
    meaning: "Appended events a subscriber never received, summed over subscribers and runs.",
    goal: { op: "==", value: 0 },
    goalWhy: "the event log is the record",
    runs: "stream.runs",
  },
  "stream.duplicated": {
    module: "stream",
    unit: "events",
    meaning: "Events a subscriber received more than once, summed over subscribers and runs.",
    goal: { op: "==", value: 0 },
    goalWhy: "a replayed token would show twice in the UI",
    runs: "stream.runs",
  },
  "stream.live_p99_ms": {
    module: "stream-live",
    unit: "ms",
    meaning:
      "200 SSE viewers (half run.events with an API token, half share.events with a share link) of a real one-step run executed by a worker process (pg-boss, Docker sandbox, a fake model streaming a chunk every 20 ms): 99th percentile of receive time minus the event's stored createdAt, for events stored after every viewer connected; median over runs.",
    goal: { op: "<=", value: 100 },
    goalWhy: "issue #17: viewers cost nothing; a live view trails the record by at most 100 ms at 200 viewers",
    baseline: "stream.live_p99_trpc_ms",
    runs: "stream.live_runs",
  },
  "stream.live_lost": {
    module: "stream-live",
    unit: "events",
    meaning: "Stored events of a watched run that a viewer never received, summed over viewers and runs.",
    goal: { op: "==", value: 0 },
    goalWhy: "issue #17: 0 lost",
    runs: "stream.live_runs",
  },
  "stream.live_duplicated": {
    module: "stream-live",
    unit: "events",
    meaning: "Events a viewer of a watched run received more than once, summed over viewers and runs.",
    goal: { op: "==", value: 0 },
    goalWhy: "issue #17: 0 duplicated",
    runs: "stream.live_runs",
  },
  "stream.live_failed_runs": {
    module: "stream-live",
    unit: "runs",
    meaning: "Runs of the stream-live bench (watched or not) that did not succeed.",
    goal: { op: "==", value: 0 },
    goalWhy: "issue #17: viewers must never fail a run (P2028 in appendRunEvent was seen with 100 viewers)",
    runs: "stream.live_runs",
  },
  "stream.viewer_slowdown": {
    module: "stream-live",
    unit: "x",
    meaning: "Median duration of the run (plan.created to run.finished) with 200 viewers over the same run with none, alternated in the same bench.",
    goal: { op: "<=", value: 1.1 },
    goalWhy: "issue #17: a run's duration within 10% of the same run with no viewer",
    baseline: "stream.unviewed_run_ms",
    runs: "stream.live_runs",
  },
  "stream.live_p99_trpc_ms": {
    module: "stream-live",
    unit: "ms",
    meaning: "stream.live_p99_ms for the same watched run with the streams served by tRPC's own SSE producer (each viewer serialises every event and writes it in five chunks) instead of the encode-once path; alternated with it in the same bench, so under the same machine load.",
    runs: "stream.live_runs",
  },
  "stream.live_load1": {
    module: "stream-live",
    unit: "load",
    meaning: "The machine's 1-minute load average after each watched round of the stream-live bench, median (2 cores: above 2 the figures measure the neighbours too).",
  },
  "run.one_step_ms": {
    module: "one-step",
    unit: "ms",
    meaning: "A one-step task (write add(a, b) in calc.py) on an idle worker process (pg-boss, Docker sandbox, one slot) with a fake model that answers at once: run.queued to run.finished, stored times; median.",
    goal: { op: "<=", value: 900 },
    goalWhy: "issue #17: a one-step run with a zero-latency model at most 0.9 s (1.71 s when filed)",
    runs: "run.one_step_runs",
  },
  "queue.pickup_ms": {
    module: "one-step",
    unit: "ms",
    meaning: "Two one-step runs queued together on a one-slot worker: the first run's run.finished to the second's run.claimed (the slot idle between them); median.",
    goal: { op: "<=", value: 50 },
    goalWhy: "issue #17: a worker claims the next queued run within 50 ms of a slot freeing (0.45 s when filed)",
    runs: "run.one_step_runs",
  },
  "run.one_step_load1": {
    module: "one-step",
    unit: "load",
    meaning: "The machine's 1-minute load average during the one-step bench, median over rounds (2 cores).",
  },
  "queue.fair_wait_ms": {
    module: "fair-queue",
    unit: "ms",
    meaning: "One user queues 100 runs, then (both slots busy) a second user queues 1, on two worker slots with a per-user limit of two: the second run's queued to claimed through the workers' claim path (pickFairRun, claimRun, real Postgres); a run is a fixed wait (queue.fair_run_ms) standing in for the sandbox.",
    baseline: "queue.fcfs_wait_ms",
  },
  "queue.fcfs_wait_ms": {
    module: "fair-queue",
    unit: "ms",
    meaning: "The baseline of queue.fair_wait_ms, same queue drained first come, first served (the oldest queued run first, the same claimRun).",
  },
  "queue.fair_wait_runs": {
    module: "fair-queue",
    unit: "runs",
    meaning: "queue.fair_wait_ms in runs' durations, a run's duration being the time it holds its slot in the fair drain (queue.fair_slot_ms: the fixed wait plus its claim and run.finished writes): how many runs' time the second user waited.",
    goal: { op: "<=", value: 1 },
    goalWhy: "issue #17: the second user's run starts within one run's duration (91.7 s behind 100 runs when filed)",
  },
  "queue.fair_throughput_ratio": {
    module: "fair-queue",
    unit: "ratio",
    meaning: "Drain time of the 101 runs first come, first served over the drain time with the fair claim (1 = the same throughput).",
    goal: { op: ">=", value: 0.95 },
    goalWhy: "issue #17: total throughput within 5% of first-come-first-served",
  },
  "queue.fair_claims_ahead": {
    module: "fair-queue",
    unit: "runs",
    meaning: "Runs claimed after the second user's run was queued and before it in the fair drain: 0 when it takes the first slot that frees.",
    goal: { op: "<=", value: 0 },
    goalWhy: "issue #17: the fair claim orders a second user's run before the first user's queue",
  },
  "queue.fair_slot_ms": {
    module: "fair-queue",
    unit: "ms",
    meaning: "The time one run holds a worker slot in the fair drain: drain time x slots / runs (queue.fair_run_ms plus the claim's and run.finished's writes).",
  },
  "queue.fair_run_ms": {
    module: "fair-queue",
    unit: "ms",
    meaning: "The fixed duration of one simulated run in the fair-queue bench (100 ms quick, 250 ms full).",
  },
  "page.big_run_ready_ms": {
    module: "big-run-page",
    unit: "ms",
    meaning: "The run page of a run that wrote 6 files of ~130,000 characters (seeded as a run leaves it), production build in Chromium: navigation start to the verdict and every file of the diff on the page; median over fresh loads.",
    goal: { op: "<=", value: 1500 },
    goalWhy: "issue #17: a big run's page usable within 1.5 s (11 s when filed)",
    baseline: "page.short_run_ready_ms",
    runs: "page.runs",
  },
  "page.big_share_ready_ms": {
    module: "big-run-page",
    unit: "ms",
    meaning: "The same big run's share page, signed out: navigation start to the verdict and every file of the diff; median.",
    goal: { op: "<=", value: 1500 },
    goalWhy: "issue #17: the share page costs the same as the run page",
    baseline: "page.short_run_ready_ms",
    runs: "page.runs",
  },
  "page.short_run_ready_ms": {
    module: "big-run-page",
    unit: "ms",
    meaning: "The baseline, alternated with page.big_run_ready_ms: the run page of a run that wrote one file of 2,000 characters; median.",
    runs: "page.runs",
  },
  "page.big_run_heap_mb": {
    module: "big-run-page",
    unit: "MB",
    meaning: "JS heap of the big run's page once usable, after a forced GC (CDP Runtime.getHeapUsage); median.",
    goal: { op: "<=", value: 30 },
    goalWhy: "issue #17: at most 30 MB (126 MB when filed, 5.3 MB for a short run)",
    baseline: "page.short_run_heap_mb",
    runs: "page.runs",
  },
  "page.big_run_longest_task_ms": {
    module: "big-run-page",
    unit: "ms",
    meaning: "The longest main-thread task (PerformanceObserver longtask; 0 when none reached 50 ms) from clicking \"Expand all\" on the big run's diff until every file is open and drawn; median over loads (page.big_run_longest_task_max_ms: the worst).",
    goal: { op: "<=", value: 200 },
    goalWhy: "issue #17: no main-thread task over 200 ms when expanding every file (a 10.5 s freeze when filed)",
    runs: "page.runs",
  },
  "startup.health_ms": {
    module: "startup",
    unit: "ms",
    meaning: "Warm start-up of the production server: `npm start` (server.ts compiled at build time, embedded Postgres, nothing to migrate) in a fresh process each repetition, spawn to /health 200 \"ok\"; median.",
    goal: { op: "<=", value: 5000 },
    goalWhy: "issue #17: `startup.health_ms` warm at most 5 s (14-17 s when filed)",
    baseline: "startup.health_tsx_ms",
    runs: "startup.runs",
  },
  "startup.health_tsx_ms": {
    module: "startup",
    unit: "ms",
    meaning: "The baseline, alternated with startup.health_ms: the same server compiled on the fly by tsx (`npx tsx server.ts`, as `npm start` ran before), spawn to /health \"ok\"; median.",
    runs: "startup.runs",
  },
  "startup.first_answer_ms": {
    module: "startup",
    unit: "ms",
    meaning: "Warm start-up: spawn of `npm start` to the first /health answer of any kind (503 \"starting\" until the database and Next.js are up); median.",
    runs: "startup.runs",
  },
  "startup.load1": {
    module: "startup",
    unit: "load",
    meaning: "The machine's 1-minute load average during the start-up bench, median over starts (2 cores).",
  },
  "mcp.run_task_overhead_ms": {
    module: "mcp",
    unit: "ms",
    meaning:
      "What a one-step task through MCP (run_task, then wait_for_run until it answers with the outcome and the diff) costs beyond the same through tRPC (task.create, the run.events SSE stream until run.finished, run.byId and run.diff at once), on the same server, worker, sandbox and zero-latency fake model. Measured on the same runs, since a run's own time varies far more than the overhead: the median difference of run_task against task.create (alternating order) plus the median gap between the two clients' answers when both wait for the same run at once.",
    goal: { op: "<=", value: 50 },
    goalWhy: "issue #20: handing a task over MCP may cost at most 50 ms more than the API",
    baseline: "mcp.trpc_create_p50_ms",
    runs: "mcp.runs",
  },
  "runs.per_min": {
    module: "runs",
    unit: "runs/min",
    meaning:
      "20 runs started at once through the queue, taken by two worker processes (`npm run worker`, 2 runs each) and executed in the real sandbox with a zero-latency fake model, timed to the last run.finished; every run must succeed. Baseline: the same 20 runs on one worker.",
    baseline: "runs.baseline_one_worker_per_min",
    runs: "runs.repetitions",
  },
  "workers.remote_run_overhead_ms": {
    module: "workers",
    unit: "ms",
    meaning:
      "A one-step task (zero-latency fake model, real sandbox) on a remote-style worker process (its own DATA_DIR, the repository fetched from and pushed to the web app over git smart HTTP, warm cache) minus the same task on a local-path worker (the web machine's repository), both taking runs one at a time from the same queue in the same bench run, in pairs (one run on each worker back to back, the other paused so the intended one claims it, order alternating): median of the paired differences of run.claimed to run.finished, first run of each worker unmeasured.",
    goal: { op: "<=", value: 150 },
    goalWhy: "issue #21: a worker on another machine may cost at most 150 ms more per run",
    baseline: "workers.local_run_p50_ms",
    runs: "workers.runs_per_worker",
  },
  "history.first_page_p50_ms": {
    module: "history",
    unit: "ms",
    meaning: "The first page (25) of a project's task history with 10,000 runs in it and 10,000 in another project, through listRuns (the service behind run.list).",
    goal: { op: "<=", value: 50 },
    goalWhy: "issue #5: filters and pagination stay fast with 10,000 runs",
    runs: "history.repetitions",
  },
  "history.deep_page_p50_ms": {
    module: "history",
    unit: "ms",
    meaning: "A page 5,000 runs deep through the keyset cursor.",
    goal: { op: "<=", value: 50 },
    goalWhy: "issue #5: pagination stays fast at any depth",
    baseline: "history.baseline_offset_deep_page_p50_ms",
    runs: "history.repetitions",
  },
  "history.search_p50_ms": {
    module: "history",
    unit: "ms",
    meaning: "A text search over the 10,000 prompts of a project (case-insensitive substring).",
    goal: { op: "<=", value: 100 },
    runs: "history.repetitions",
  },
  "diff.exact_rate": {
    module: "diff",
    unit: "fraction",
    meaning: "Share of real (git history) and synthetic diffs, exact and perturbed the ways models get them wrong, whose application is byte-identical to the intended result.",
    goal: { op: ">=", value: 0.98 },
    goalWhy: "issue #6: at least 98% of model-style diffs apply exactly",
    baseline: "diff.baseline_jsdiff_exact_rate",
    runs: "diff.variants",
  },
  "diff.wrong_apply_rate": {
    module: "diff",
    unit: "fraction",
    meaning: "Share of diffs, over every perturbation, that applied but produced something other than the intended file (refusing is fine; a wrong apply is silent corruption).",
    goal: { op: "==", value: 0 },
    baseline: "diff.baseline_jsdiff_wrong_apply_rate",
    runs: "diff.variants",
  },
  "diff.blank_context_exact_rate": {
    module: "diff",
    unit: "fraction",
    meaning: "Diffs whose context lost blank lines (one, two or all, counts left as they were) or gained one the file does not have: share applied byte-identical to the intended result. GNU patch (default fuzz) is the baseline; jsdiff's figure is diff.baseline_jsdiff_blank_context_exact_rate.",
    goal: { op: ">=", value: 0.97 },
    goalWhy: "issue #23: models skip empty lines when they copy context",
    baseline: "diff.baseline_gnu_patch_blank_context_exact_rate",
    runs: "diff.blank_context_variants",
  },
  "index.files_per_s": {
    module: "index",
    unit: "files/s",
    meaning: "Full index of the Python standard library (read, chunk, embed, write to a real Chroma server).",
    baseline: "index.baseline_embed_only_files_per_s",
    runs: { quick: 1, full: 3 },
  },
  "index.update_visible_p95_ms": {
    module: "index",
    unit: "ms",
    meaning: "From saving a file in a watched repository to the change being returned by a search.",
    goal: { op: "<=", value: 1000 },
    goalWhy: "issue #7: a saved file is retrievable within a second at the 95th percentile",
    runs: { quick: 5, full: 25 },
  },
  "retrieval.top5_rate": {
    module: "index",
    unit: "fraction",
    meaning: "A function's docstring as the query: share of queries whose file is among the top 5 snippets.",
    baseline: "retrieval.baseline_random_top5_rate",
    runs: "retrieval.queries",
  },
  "llm_client.client_overhead_median_ms": {
    module: "llm-client",
    unit: "ms",
    meaning: "A streamed 2 KB answer through createLlmClient minus a bare fetch of the same SSE response from the fake model server.",
    goal: { op: "<=", value: 5 },
    goalWhy: "the client should cost nothing next to a model's latency",
    baseline: "llm_client.raw_fetch_stream_2kb_median_ms",
    runs: "llm_client.runs",
  },
  "seed.tar_ms": {
    module: "seed",
    unit: "ms",
    meaning: "10,000 files / 200 MB into an open sandbox as one tar stream (pack on the host, Docker putArchive into the workspace volume).",
    baseline: "seed.json_line_ms",
    runs: "seed.runs",
  },
  "seed.json_line_ms": {
    module: "seed",
    unit: "ms",
    meaning: "The same 10,000 files as the one JSON line the runner used to receive; -1 when it failed (see seed.json_line_failures: the line does not fit in the container's memory).",
    runs: "seed.runs",
  },
  "env.build_cold_s": {
    module: "environments",
    unit: "s",
    meaning: "The TypeScript fixture's environment from nothing: a setup container with network copies the repository, runs npm ci (vitest) through the host's CA bundle, and is committed as the project image.",
    runs: "env.cold_runs",
  },
  "env.build_cached_ms": {
    module: "environments",
    unit: "ms",
    meaning: "A second project with the same manifests: hash its setup script, base image and manifests and find the existing image; no setup container runs.",
    runs: "env.runs",
  },
  "env.run_overhead_ms": {
    module: "environments",
    unit: "ms",
    meaning: "A one-step task on the TypeScript fixture from its cached image minus the same task on an empty Python project from the warm pool, each without its test commands' own durations: what the environment adds (a container from the project image, the seed, the node_modules link). env.run_total_diff_ms is the raw difference including vitest's own run time.",
    goal: { op: "<=", value: 300 },
    goalWhy: "a project environment should cost about one container start, not a reinstall",
    runs: "env.runs",
  },
  "baseline.cached_ms": {
    module: "environments",
    unit: "ms",
    meaning: "Final verification of the Python fixture (whole suite, compared with the base commit's) when the base suite is cached.",
    baseline: "baseline.uncached_ms",
    runs: "env.runs",
  },
  "baseline.cached_ratio": {
    module: "environments",
    unit: "x",
    meaning: "baseline.cached_ms divided by running the suite twice (base commit and final) as a run without the cache does, same session, same run.",
    goal: { op: "<=", value: 0.6 },
    goalWhy: "most runs reuse the base commit's suite instead of running it again",
    runs: "env.runs",
  },
  "seed.small_tar_ms": {
    module: "seed",
    unit: "ms",
    meaning: "1,000 files / 20 MB as a tar stream.",
    baseline: "seed.small_json_line_ms",
    runs: "seed.runs",
  },
};

/** A unit for figures without a catalog entry, read from the name's suffix. */
export function inferUnit(name: string): string {
  if (/_ms(\b|_|$)|_ms_median$/.test(name)) return "ms";
  if (/_rate(\.|$)/.test(name)) return "fraction";
  if (/per_s$/.test(name)) return "/s";
  if (/ratio$|speedup$/.test(name)) return "x";
  return "";
}

export function meetsGoal(value: number, goal: Goal): boolean {
  if (goal.op === "<=") return value <= goal.value;
  if (goal.op === ">=") return value >= goal.value;
  return value === goal.value;
}
