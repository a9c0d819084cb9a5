//! The store conformance suite (`tests/conformance/`) run against each
//! backend. A backend joins with one [`conformance::Backend`] constructor
//! and one `conformance!` line below; the few tests after it pin what only
//! that backend promises.

#[macro_use]
mod conformance;

use std::sync::Arc;

use roster::domain::Error;
use roster::store::{open, Create, Location, Store};

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

impl conformance::Backend for Sled {
    fn open(&self) -> Arc<dyn Store> {
        open(&self.location(), Create::IfMissing).unwrap()
    }

    /// sled is one process at a time.
    fn second_handle(&self) -> Option<Arc<dyn Store>> {
        None
    }
}

conformance!(sled, Sled::new());

/// sled allows one handle at a time: a second `open` of an open store
/// answers `Unavailable`; once the first is dropped, it opens.
#[tokio::test]
async fn sled_is_one_process_at_a_time() {
    let sled = Sled::new();
    let first = conformance::Backend::open(&sled);
    let second = open(&sled.location(), Create::IfMissing);
    assert!(
        matches!(second, Err(Error::Unavailable(_))),
        "{:?}",
        second.err()
    );
    drop(first);
    let again = open(&sled.location(), Create::Never);
    assert!(again.is_ok(), "{:?}", again.err());
}

/// `Create::Never` refuses a directory without a store (and creates none).
#[tokio::test]
async fn sled_create_never_needs_a_store() {
    let sled = Sled::new();
    let refused = open(&sled.location(), Create::Never);
    assert!(
        matches!(refused, Err(Error::Storage(_))),
        "{:?}",
        refused.err()
    );
    assert!(!sled.dir.path().join("store").join("db").exists());
}
