import { progressLabel, type JobView } from '../lib/jobs';

/** A job's progress bar, stage and outcome, announced to screen readers as it changes. */
export function JobProgress({ job, label }: { job: JobView | null; label: string }) {
  if (!job)
    return (
      <p role="status" className="muted">
        Starting…
      </p>
    );
  return (
    <div className="job-progress" data-status={job.status}>
      <progress max={1} value={job.progress} aria-label={label} />
      <span role="status" aria-live="polite">
        <strong className={`status status-${job.status}`}>{job.status}</strong> {progressLabel(job)}
      </span>
      {job.error && (
        <p role="alert" className="error">
          {job.error}
        </p>
      )}
    </div>
  );
}
