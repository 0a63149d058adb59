//! Every background job `serve` starts for the admin routes and itself
//! (backfill, import, publish), in one place: shutdown waits for them with
//! a bound and says which did not finish, and `GET /v1/admin/jobs` shows
//! how each went.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Running,
    Succeeded,
    Failed,
    /// Ended by the server's shutdown; a backfill resumes from its checkpoint.
    Stopped,
}

/// One job as `GET /v1/admin/jobs` shows it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct JobStatus {
    pub id: u64,
    pub job: String,
    pub state: JobState,
    pub started: DateTime<Utc>,
    pub finished: Option<DateTime<Utc>>,
    /// What it did, or why it failed or stopped; absent while running.
    pub outcome: Option<String>,
}

/// How a job ended, in its own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobEnd {
    Succeeded(String),
    Failed(String),
    /// Ended by the server's shutdown.
    Stopped(String),
}

/// Finished jobs kept for `GET /v1/admin/jobs` (running ones are all kept).
const FINISHED_KEPT: usize = 100;

/// A running job: its name (for the shutdown log) and its task.
type Job = (String, JoinHandle<()>);

#[derive(Clone, Default)]
pub struct Jobs {
    running: Arc<Mutex<Vec<Job>>>,
    board: Arc<Mutex<Board>>,
}

/// Every job's status, newest first.
#[derive(Default)]
struct Board {
    last_id: u64,
    statuses: VecDeque<JobStatus>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Jobs {
    /// Runs `work` as a task named `name`; returns the run's id. Jobs learn
    /// of shutdown from the `stop` channel they were given; this keeps their
    /// handles and records how they end.
    pub fn spawn(&self, name: String, work: impl Future<Output = JobEnd> + Send + 'static) -> u64 {
        let id = {
            let mut board = lock(&self.board);
            board.last_id += 1;
            let id = board.last_id;
            board.statuses.push_front(JobStatus {
                id,
                job: name.clone(),
                state: JobState::Running,
                started: Utc::now(),
                finished: None,
                outcome: None,
            });
            board.forget_old();
            id
        };
        let record = Record {
            board: Arc::clone(&self.board),
            id,
            end: None,
        };
        let handle = tokio::spawn(async move {
            // The whole guard moves into the task (a move closure would
            // capture only the field it assigns).
            let mut record = record;
            record.end = Some(work.await);
        });
        let mut running = lock(&self.running);
        // Finished jobs are dropped here rather than by each job, so the
        // list stays short without the tasks touching it.
        running.retain(|(_, h)| !h.is_finished());
        running.push((name, handle));
        id
    }

    /// Running jobs and the last [`FINISHED_KEPT`] finished ones, newest first.
    pub fn statuses(&self) -> Vec<JobStatus> {
        lock(&self.board).statuses.iter().cloned().collect()
    }

    /// Waits for every job, `bound` in all; logs (and aborts) those still
    /// running after it. Returns the names of those.
    pub async fn wait(&self, bound: Duration) -> Vec<String> {
        let jobs = std::mem::take(&mut *lock(&self.running));
        let deadline = tokio::time::Instant::now() + bound;
        let mut unfinished = Vec::new();
        for (name, mut handle) in jobs {
            if tokio::time::timeout_at(deadline, &mut handle)
                .await
                .is_err()
            {
                tracing::warn!(job = %name, bound_s = bound.as_secs(), "job did not finish before shutdown; abandoned");
                handle.abort();
                unfinished.push(name);
            }
        }
        unfinished
    }
}

impl Board {
    fn forget_old(&mut self) {
        let mut finished = 0;
        self.statuses.retain(|s| {
            if s.state == JobState::Running {
                return true;
            }
            finished += 1;
            finished <= FINISHED_KEPT
        });
    }
}

/// Writes a job's end into the board when its task ends, however it ends:
/// a panic or an abort leaves no [`JobEnd`] and reads as a failure.
struct Record {
    board: Arc<Mutex<Board>>,
    id: u64,
    end: Option<JobEnd>,
}

impl Drop for Record {
    fn drop(&mut self) {
        let (state, outcome) = match self.end.take() {
            Some(JobEnd::Succeeded(m)) => (JobState::Succeeded, m),
            Some(JobEnd::Failed(m)) => (JobState::Failed, m),
            Some(JobEnd::Stopped(m)) => (JobState::Stopped, m),
            None => (
                JobState::Failed,
                "ended without an outcome: it panicked, or was abandoned at shutdown".to_owned(),
            ),
        };
        let mut board = lock(&self.board);
        if let Some(s) = board.statuses.iter_mut().find(|s| s.id == self.id) {
            s.state = state;
            s.finished = Some(Utc::now());
            s.outcome = Some(outcome);
        }
        board.forget_old();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state_of(jobs: &Jobs, id: u64) -> Option<(JobState, Option<String>)> {
        jobs.statuses()
            .into_iter()
            .find(|s| s.id == id)
            .map(|s| (s.state, s.outcome))
    }

    #[tokio::test]
    async fn wait_returns_when_jobs_end_and_names_those_that_do_not() {
        let jobs = Jobs::default();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let quick = jobs.spawn("quick".into(), async move {
            let _ = rx.await;
            JobEnd::Succeeded("did it".into())
        });
        let hung = jobs.spawn("hung".into(), std::future::pending());
        assert_eq!(state_of(&jobs, hung), Some((JobState::Running, None)));
        tx.send(()).unwrap();
        let unfinished = jobs.wait(Duration::from_millis(200)).await;
        assert_eq!(unfinished, ["hung"]);
        assert!(jobs.wait(Duration::from_millis(1)).await.is_empty());
        assert_eq!(
            state_of(&jobs, quick),
            Some((JobState::Succeeded, Some("did it".into())))
        );
        // The abandoned job's task is aborted; its record says so once the
        // runtime has dropped it.
        let recorded = blockwatt_testkit::wait_until_async(Duration::from_secs(5), || async {
            state_of(&jobs, hung).is_some_and(|(s, _)| s == JobState::Failed)
        })
        .await;
        assert!(recorded, "{:?}", jobs.statuses());
    }

    #[tokio::test]
    async fn ends_are_recorded_newest_first_and_old_ones_forgotten() {
        let jobs = Jobs::default();
        let failed = jobs.spawn("bad".into(), async {
            JobEnd::Failed("no such file".into())
        });
        let panicked = jobs.spawn("boom".into(), async { panic!("a bug") });
        let stopped = jobs.spawn("cut".into(), async { JobEnd::Stopped("shutdown".into()) });
        jobs.wait(Duration::from_secs(5)).await;
        let all = jobs.statuses();
        assert_eq!(
            all.iter().map(|s| s.id).collect::<Vec<_>>(),
            [stopped, panicked, failed]
        );
        assert_eq!(all[0].state, JobState::Stopped);
        assert_eq!(all[1].state, JobState::Failed);
        assert!(all[1].outcome.as_deref().unwrap_or("").contains("panicked"));
        assert_eq!(all[2].outcome.as_deref(), Some("no such file"));
        assert!(all
            .iter()
            .all(|s| s.finished.is_some_and(|f| f >= s.started)));

        for i in 0..FINISHED_KEPT {
            jobs.spawn(format!("j{i}"), async { JobEnd::Succeeded(String::new()) });
        }
        jobs.wait(Duration::from_secs(5)).await;
        let all = jobs.statuses();
        assert_eq!(all.len(), FINISHED_KEPT);
        assert!(
            all.iter().all(|s| s.id > stopped),
            "the oldest are forgotten"
        );
    }
}
