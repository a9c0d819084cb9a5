//! The store conformance suite (`tests/conformance/`) run against each
//! backend. A backend joins with one [`conformance::Backend`] constructor
//! and one `conformance!` line below; the few tests after it pin what only
//! that backend promises.

mod common;
#[macro_use]
mod conformance;

use common::pg;

use std::{sync::Arc, time::Duration};

use roster::domain::Error;
use roster::store::{open, open_with, Create, Location, PostgresOptions, Store, StoreOptions};

/// The embedded (sled) store in a temporary directory.
struct Sled {
    dir: tempfile::TempDir,
}

impl Sled {
    fn new() -> Self {
        Sled {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn location(&self) -> Location {
        Location::Dir(self.dir.path().join("store"))
    }
}

#[async_trait::async_trait]
impl conformance::Backend for Sled {
    async fn open(&self) -> Arc<dyn Store> {
        open(&self.location(), Create::IfMissing).await.unwrap()
    }

    /// sled is one process at a time.
    async fn second_handle(&self) -> Option<Arc<dyn Store>> {
        None
    }
}

conformance!(sled, Sled::new());

/// A fresh database of the test process's throwaway PostgreSQL cluster
/// (`tests/pg`).
struct Postgres {
    location: Location,
}

/// How soon a change reaches another replica's revision when notifications
/// are lost; with them it takes milliseconds.
const STALENESS: Duration = Duration::from_secs(1);

impl Postgres {
    fn new() -> Self {
        Postgres {
            location: Location::Postgres(pg::database()),
        }
    }
}

#[async_trait::async_trait]
impl conformance::Backend for Postgres {
    async fn open(&self) -> Arc<dyn Store> {
        let options = StoreOptions {
            postgres: PostgresOptions {
                pool_size: 8,
                staleness: STALENESS,
            },
            ..StoreOptions::default()
        };
        open_with(&self.location, Create::IfMissing, options)
            .await
            .unwrap()
    }

    /// Any number of replicas share one database.
    async fn second_handle(&self) -> Option<Arc<dyn Store>> {
        Some(self.open().await)
    }

    fn staleness(&self) -> Duration {
        STALENESS
    }
}

conformance!(postgres, Postgres::new());

/// sled allows one handle at a time: a second `open` of an open store
/// answers `Unavailable`; once the first is dropped, it opens.
#[tokio::test]
async fn sled_is_one_process_at_a_time() {
    let sled = Sled::new();
    let first = conformance::Backend::open(&sled).await;
    let second = open(&sled.location(), Create::IfMissing).await;
    assert!(
        matches!(second, Err(Error::Unavailable(_))),
        "{:?}",
        second.err()
    );
    drop(first);
    let again = open(&sled.location(), Create::Never).await;
    assert!(again.is_ok(), "{:?}", again.err());
}

/// `Create::Never` refuses a directory without a store (and creates none).
#[tokio::test]
async fn sled_create_never_needs_a_store() {
    let sled = Sled::new();
    let refused = open(&sled.location(), Create::Never).await;
    assert!(
        matches!(refused, Err(Error::Storage(_))),
        "{:?}",
        refused.err()
    );
    assert!(!sled.dir.path().join("store").join("db").exists());
}
