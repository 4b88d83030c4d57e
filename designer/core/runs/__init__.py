"""Training runs next to their design: read a run's logged lr, check it against the curve,
say what went wrong. Qt-free; torch only in `design_run` (the command line's way).

    from designer.core.runs.sources import read_run        # path -> LoggedRun
    from designer.core.runs.check import check_logged, DesignFacts, report_lines

    run = read_run(path, tag=None)        # RunError (one line, naming the file) if not a run
    result = check_logged(run, first_group_curve, DesignFacts.of(schedule))
    report_lines(result)                   # the verdict line, then the diagnosis sentence

`LoggedRun` (series.py): source, tag, path, steps (int64, on the design's step axis, the
writer's convention applied), lrs (float64), candidates (the source's lr series, default
first), writer, step_offset, steps_per_epoch. `check_logged` returns the `check-run --json`
dict: verdict, source, tag, points, logged_steps, design_steps, max_rel_error,
first_difference, diagnosis ({"kind": "offset" | "stretch" | "interval" | "scale" |
"restart" | "unknown", its number: steps | factor | steps_per_epoch | factor | step,
"message": the sentence with the fix}).

Modules: `sources` (which reader reads a path: the registry), one reader per source
(`tensorboard_events`, `csv_log` for Lightning's CSVLogger and any CSV, `hf_trainer`,
`mlflow_store`), `series` (LoggedRun, RunError, the lr-like names, bounded reads), `check`
(the verdict and its text), `diagnosis` (the mistakes and their fixes), `design_run` (a
design file's curve against a run, for `check-run`).

This package sits beside `core/importing`: it may import core.export, core.curves,
core.safe_io and core.schedule, never core.importing, the window or the command line.
"""
