//! Every background job `serve` starts for the admin routes and itself
//! (backfill, import, publish), in one place, so shutdown can wait for
//! them with a bound and say which did not finish.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::task::JoinHandle;

/// A running job: its name (for the shutdown log) and its task.
type Job = (String, JoinHandle<()>);

#[derive(Clone, Default)]
pub struct Jobs {
    running: Arc<Mutex<Vec<Job>>>,
}

impl Jobs {
    /// Runs `work` as a task named `name`. Jobs learn of shutdown from the
    /// `stop` channel they were given; this only keeps their handles.
    pub fn spawn(&self, name: String, work: impl Future<Output = ()> + Send + 'static) {
        let handle = tokio::spawn(work);
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        // Finished jobs are dropped here rather than by each job, so the
        // list stays short without the tasks touching it.
        running.retain(|(_, h)| !h.is_finished());
        running.push((name, handle));
    }

    /// Waits for every job, `bound` in all; logs (and aborts) those still
    /// running after it. Returns the names of those.
    pub async fn wait(&self, bound: Duration) -> Vec<String> {
        let jobs =
            std::mem::take(&mut *self.running.lock().unwrap_or_else(PoisonError::into_inner));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn wait_returns_when_jobs_end_and_names_those_that_do_not() {
        let jobs = Jobs::default();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        jobs.spawn("quick".into(), async move {
            let _ = rx.await;
        });
        jobs.spawn("hung".into(), std::future::pending());
        tx.send(()).unwrap();
        let unfinished = jobs.wait(Duration::from_millis(200)).await;
        assert_eq!(unfinished, ["hung"]);
        assert!(jobs.wait(Duration::from_millis(1)).await.is_empty());
    }
}
