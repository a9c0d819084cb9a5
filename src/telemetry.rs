//! Logging: tracing to stderr, text or JSON, levels from `RUST_LOG`.
//!
//! Events are formatted on the thread that logs them and written by a
//! background thread (tracing-appender), so a request never waits for a
//! write to stderr. The writer is lossless: if it falls behind, loggers
//! wait rather than drop events.

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. Keep the guard until the process ends:
/// dropping it flushes what is still buffered. Calling it twice is harmless
/// (the second subscriber is not installed).
pub fn init(format: LogFormat) -> WorkerGuard {
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("roster-log")
        .finish(std::io::stderr());
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    guard
}
