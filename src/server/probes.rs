//! The health service's names and what each reports, so that an
//! orchestrator can tell "still starting", "alive" and "ready for calls"
//! apart (README, "Probes"):
//!
//! - [`STARTUP`]: SERVING once the store is open and bootstrapped, and from
//!   then on for the life of the process.
//! - [`LIVENESS`]: SERVING whenever the process answers at all: while
//!   starting, while the store is unreachable and while draining. A replica
//!   whose only trouble is its database must not be restarted for it.
//! - [`READINESS`], `""` and [`SERVICE_NAME`]: SERVING while calls can be
//!   served: the store is open and answers, and no shutdown has begun.
//!
//! This is the only module that sets health statuses.

use tonic_health::{server::HealthReporter, ServingStatus};

use super::SERVICE_NAME;

/// The startup probe's service name.
pub const STARTUP: &str = "startup";
/// The liveness probe's service name.
pub const LIVENESS: &str = "liveness";
/// The readiness probe's service name.
pub const READINESS: &str = "readiness";

/// Before the store is open: alive, not started, not ready.
pub(super) async fn starting(health: &HealthReporter) {
    health
        .set_service_status(LIVENESS, ServingStatus::Serving)
        .await;
    health
        .set_service_status(STARTUP, ServingStatus::NotServing)
        .await;
    ready(health, false).await;
}

/// The store is open and bootstrapped: started and ready.
pub(super) async fn started(health: &HealthReporter) {
    health
        .set_service_status(STARTUP, ServingStatus::Serving)
        .await;
    ready(health, true).await;
}

/// Whether calls can be served now (the store answers and no shutdown has
/// begun); startup and liveness are left as they are.
pub(super) async fn ready(health: &HealthReporter, ready: bool) {
    let status = if ready {
        ServingStatus::Serving
    } else {
        ServingStatus::NotServing
    };
    for name in ["", SERVICE_NAME, READINESS] {
        health.set_service_status(name, status).await;
    }
}
